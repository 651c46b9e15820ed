//! zkCli's usage text, printed by `help` and by any unknown command.

use super::command::COMMANDS;

/// `ZooKeeperMain.usage()`, line by line (zkCli prints it on standard
/// error). 3.8 has no `help` command: it prints this and then
/// `Command not found: Command not found help`.
pub fn usage_lines() -> Vec<String> {
    let mut lines = vec![
        "ZooKeeper -server host:port -client-configuration properties-file cmd args".to_string(),
    ];
    lines.extend(
        COMMANDS
            .iter()
            .map(|(name, options)| format!("\t{name} {options}")),
    );
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_listed_sorted_as_java_sorts_them() {
        let lines = usage_lines();
        let names: Vec<&str> = lines[1..]
            .iter()
            .map(|l| l.trim_start_matches('\t').split(' ').next().unwrap_or(""))
            .collect();
        let mut sorted = names.clone();
        sorted.sort_unstable(); // byte order = Java's String.compareTo on ASCII
        assert_eq!(names, sorted);
        assert_eq!(names[0], "addWatch"); // 'W' sorts before 'a'
        assert!(lines.contains(&"\tls [-s] [-w] [-R] path".to_string()));
        assert!(lines.contains(&"\thistory ".to_string()));
        assert!(!names.contains(&"ls2") && !names.contains(&"rmr"));
    }
}
