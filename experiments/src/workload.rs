//! What the load is made of: operations, keys and their distribution. The
//! generator is seeded and deterministic, so two runs send the same ops.

use std::fmt;
use std::str::FromStr;

/// The mix of requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Workload {
    /// setData on existing keys.
    SetData,
    /// getData on existing keys.
    GetData,
    /// getData with this percentage (0..=100), setData otherwise.
    Mixed { read_percent: u8 },
    /// create then delete a fresh node, again and again (the paper's
    /// create loop).
    CreateDelete,
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workload::SetData => write!(f, "setdata"),
            Workload::GetData => write!(f, "getdata"),
            Workload::Mixed { read_percent } => write!(f, "mixed:{read_percent}"),
            Workload::CreateDelete => write!(f, "create-delete"),
        }
    }
}

/// Why a workload or distribution did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Workload {
    type Err = ParseError;

    /// `setdata`, `getdata`, `mixed:<read %>`, `create-delete`.
    fn from_str(s: &str) -> Result<Workload, ParseError> {
        match s {
            "setdata" | "set" => Ok(Workload::SetData),
            "getdata" | "get" => Ok(Workload::GetData),
            "create-delete" | "create" => Ok(Workload::CreateDelete),
            _ => {
                let pct = s
                    .strip_prefix("mixed:")
                    .and_then(|p| p.parse::<u8>().ok())
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| {
                        ParseError(format!(
                            "{s:?}: expected setdata, getdata, mixed:<0-100> or create-delete"
                        ))
                    })?;
                Ok(Workload::Mixed { read_percent: pct })
            }
        }
    }
}

impl Workload {
    /// The workload of a read percentage: all writes, all reads, or mixed.
    pub fn with_reads(read_percent: u8) -> Workload {
        match read_percent {
            0 => Workload::SetData,
            100 => Workload::GetData,
            p => Workload::Mixed { read_percent: p },
        }
    }

    /// Whether the keys must exist before the run.
    pub fn needs_keys(self) -> bool {
        !matches!(self, Workload::CreateDelete)
    }
}

/// How keys are picked.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum KeyDistribution {
    Uniform,
    /// Zipf with exponent `s` (key rank 1 the most popular).
    Zipf(f64),
}

impl FromStr for KeyDistribution {
    type Err = ParseError;

    /// `uniform`, `zipf` (s = 0.99, YCSB's) or `zipf:<s>`.
    fn from_str(s: &str) -> Result<KeyDistribution, ParseError> {
        match s {
            "uniform" => Ok(KeyDistribution::Uniform),
            "zipf" => Ok(KeyDistribution::Zipf(0.99)),
            _ => s
                .strip_prefix("zipf:")
                .and_then(|e| e.parse::<f64>().ok())
                .filter(|e| *e > 0.0)
                .map(KeyDistribution::Zipf)
                .ok_or_else(|| ParseError(format!("{s:?}: expected uniform, zipf or zipf:<s>"))),
        }
    }
}

impl fmt::Display for KeyDistribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyDistribution::Uniform => write!(f, "uniform"),
            KeyDistribution::Zipf(s) => write!(f, "zipf:{s}"),
        }
    }
}

/// One request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Get(String),
    Set(String),
    /// Create, then delete, the same fresh path: one op of the loop, two
    /// requests.
    CreateDelete(String),
}

/// xorshift64*: small, fast and good enough to pick keys.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Picks key indexes in `0..keys`.
#[derive(Clone, Debug)]
pub struct KeyChooser {
    keys: usize,
    /// Zipf's cumulative distribution, by rank.
    cdf: Option<Vec<f64>>,
}

impl KeyChooser {
    pub fn new(keys: usize, distribution: KeyDistribution) -> KeyChooser {
        let keys = keys.max(1);
        let cdf = match distribution {
            KeyDistribution::Uniform => None,
            KeyDistribution::Zipf(s) => {
                let weights: Vec<f64> = (1..=keys).map(|r| 1.0 / (r as f64).powf(s)).collect();
                let total: f64 = weights.iter().sum();
                let mut acc = 0.0;
                Some(
                    weights
                        .iter()
                        .map(|w| {
                            acc += w / total;
                            acc
                        })
                        .collect(),
                )
            }
        };
        KeyChooser { keys, cdf }
    }

    pub fn pick(&self, rng: &mut Rng) -> usize {
        match &self.cdf {
            None => rng.below(self.keys as u64) as usize,
            Some(cdf) => {
                let u = rng.next_f64();
                cdf.partition_point(|&c| c < u).min(self.keys - 1)
            }
        }
    }
}

/// The path of key `i`.
pub fn key_path(i: usize) -> String {
    format!("/bench/key{i:07}")
}

/// One session's stream of ops.
#[derive(Clone, Debug)]
pub struct OpStream {
    workload: Workload,
    keys: KeyChooser,
    rng: Rng,
    /// Names fresh paths of the create loop.
    prefix: String,
    counter: u64,
}

impl OpStream {
    pub fn new(workload: Workload, keys: KeyChooser, seed: u64) -> OpStream {
        OpStream {
            workload,
            keys,
            rng: Rng::new(seed),
            prefix: format!("/bench/c{seed}-"),
            counter: 0,
        }
    }

    pub fn next_op(&mut self) -> Op {
        let key = |s: &mut OpStream| key_path(s.keys.pick(&mut s.rng));
        match self.workload {
            Workload::SetData => Op::Set(key(self)),
            Workload::GetData => Op::Get(key(self)),
            Workload::Mixed { read_percent } => {
                if self.rng.below(100) < u64::from(read_percent) {
                    Op::Get(key(self))
                } else {
                    Op::Set(key(self))
                }
            }
            Workload::CreateDelete => {
                self.counter += 1;
                Op::CreateDelete(format!("{}{}", self.prefix, self.counter))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_parse_and_print_alike() {
        for text in ["setdata", "getdata", "mixed:90", "create-delete"] {
            let w: Workload = text.parse().expect("parses");
            assert_eq!(w.to_string(), text);
        }
        assert!("mixed:101".parse::<Workload>().is_err());
        assert_eq!(Workload::with_reads(0), Workload::SetData);
        assert_eq!(Workload::with_reads(100), Workload::GetData);
    }

    #[test]
    fn a_mixed_stream_reads_about_its_share() {
        let keys = KeyChooser::new(100, KeyDistribution::Uniform);
        let mut s = OpStream::new(Workload::Mixed { read_percent: 90 }, keys, 7);
        let reads = (0..10_000)
            .filter(|_| matches!(s.next_op(), Op::Get(_)))
            .count();
        assert!((8_700..9_300).contains(&reads), "{reads} reads");
    }

    #[test]
    fn zipf_favours_the_first_ranks_and_uniform_does_not() {
        let mut rng = Rng::new(1);
        let zipf = KeyChooser::new(1000, KeyDistribution::Zipf(0.99));
        let hot = (0..10_000).filter(|_| zipf.pick(&mut rng) < 10).count();
        let uniform = KeyChooser::new(1000, KeyDistribution::Uniform);
        let flat = (0..10_000).filter(|_| uniform.pick(&mut rng) < 10).count();
        assert!(hot > 2_000, "{hot}");
        assert!(flat < 300, "{flat}");
        assert!((0..1000).all(|_| zipf.pick(&mut rng) < 1000));
    }

    #[test]
    fn the_create_loop_names_fresh_paths() {
        let keys = KeyChooser::new(1, KeyDistribution::Uniform);
        let mut s = OpStream::new(Workload::CreateDelete, keys, 3);
        assert_ne!(s.next_op(), s.next_op());
    }
}
