//! [`ApacheZooKeeper`]: the real Apache ZooKeeper 3.8 (Debian's `zookeeper`
//! package, which `tests/run.sh` installs) started standalone on loopback
//! from a zoo.cfg in a temporary directory, for differential tests. The
//! JVM is started directly (`java -cp zookeeper.jar QuorumPeerMain`; the
//! jar's manifest names its dependencies) and killed when the fixture is
//! dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::wait::wait_until;

/// Where Debian's package puts the server's jar.
pub const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";

/// A JVM starts in a few seconds on a quiet machine; this one is shared.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A running standalone Apache ZooKeeper.
pub struct ApacheZooKeeper {
    child: Child,
    port: u16,
    log: PathBuf,
    /// Last, so it is deleted after the process is gone.
    dir: TempDir,
}

/// Panics with how to install ZooKeeper when its jar or java is missing
/// (tests never skip).
pub fn require_zookeeper() {
    assert!(
        Path::new(ZOOKEEPER_JAR).is_file(),
        "Apache ZooKeeper is not installed ({ZOOKEEPER_JAR} is missing): run tests/run.sh \
         (it installs it) or `apt-get install --no-install-recommends zookeeper`"
    );
    let java = Command::new("java").arg("-version").output();
    assert!(
        java.is_ok_and(|o| o.status.success()),
        "java does not run: `apt-get install --no-install-recommends zookeeper` brings a JRE"
    );
}

impl ApacheZooKeeper {
    /// Starts a standalone server with `extra` zoo.cfg lines and waits
    /// until it answers `ruok` with `imok` and `srvr` with its mode.
    pub async fn start(extra: &str) -> ApacheZooKeeper {
        require_zookeeper();
        let dir = tempfile::Builder::new()
            .prefix("zoolab-apache-zk-")
            .tempdir()
            .expect("temporary directory");
        let port = coordinator::cmd::ports::free_ports(1).expect("a free port")[0];
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("dataDir");
        let cfg = dir.path().join("zoo.cfg");
        let text = format!(
            "tickTime=200\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\n\
             admin.enableServer=false\n4lw.commands.whitelist=*\n{extra}\n",
            data.display()
        );
        std::fs::write(&cfg, text).expect("zoo.cfg");
        let log = dir.path().join("zookeeper.log");
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new("java")
            .arg("-Xmx256m")
            .arg("-cp")
            .arg(ZOOKEEPER_JAR)
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("spawn java");
        let zk = ApacheZooKeeper {
            child,
            port,
            log,
            dir,
        };
        let endpoint = zk.endpoint();
        wait_until(
            &format!("Apache ZooKeeper answers ruok and srvr on {endpoint}"),
            START_TIMEOUT,
            || {
                let endpoint = endpoint.clone();
                async move {
                    let ok = four_letter_word(&endpoint, "ruok").ok()? == "imok";
                    let srvr = four_letter_word(&endpoint, "srvr").ok()?;
                    (ok && srvr.contains("Mode: standalone")).then_some(())
                }
            },
        )
        .await;
        zk
    }

    /// `127.0.0.1:<clientPort>`.
    pub fn endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The temporary directory holding zoo.cfg, dataDir and the log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The last lines of the server's output.
    pub fn log_tail(&self) -> String {
        coordinator::cmd::local::log_tail(&self.log, 30)
    }
}

/// Sends a four-letter word and reads the answer until the server closes.
pub fn four_letter_word(endpoint: &str, word: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(endpoint)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(word.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

impl Drop for ApacheZooKeeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
