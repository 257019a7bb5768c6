//! Captured command outputs under `snapshot/`: `launchctl list` (what is loaded and how
//! each job last ended), `vm_stat` (physical memory) and `systemsetup -gettimezone`.

/// One row of `launchctl list`: PID (None for `-`), last exit status, label, line.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedJob {
    pub pid: Option<u32>,
    pub status: i32,
    pub label: String,
    pub line: u32,
}

pub fn parse_launchctl_list(text: &str) -> Vec<ListedJob> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let mut fields = line.split_whitespace();
            let pid = fields.next()?;
            let status = fields.next()?.parse().ok()?;
            let label = fields.next()?.to_string();
            Some(ListedJob { pid: pid.parse().ok(), status, label, line: index as u32 + 1 })
        })
        .collect()
}

/// Physical memory from `vm_stat`: the page size times the pages it accounts for.
pub fn memory_from_vm_stat(text: &str) -> Option<u64> {
    let page_size: u64 =
        text.split("page size of ").nth(1)?.split_whitespace().next()?.parse().ok()?;
    let counted = [
        "Pages free",
        "Pages active",
        "Pages inactive",
        "Pages speculative",
        "Pages throttled",
        "Pages wired down",
        "Pages occupied by compressor",
    ];
    let pages: u64 = text
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            counted
                .contains(&name.trim())
                .then(|| value.trim().trim_end_matches('.').parse::<u64>().ok())?
        })
        .sum();
    (pages > 0).then(|| pages * page_size)
}

/// The IANA zone in `Time Zone: America/Denver` (or a bare zone name).
pub fn time_zone(text: &str) -> Option<(String, u32)> {
    text.lines().enumerate().find_map(|(index, line)| {
        let value = line.split_once(':').map_or(line, |(_, value)| value).trim();
        (value.contains('/') || value == "UTC").then(|| (value.to_string(), index as u32 + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launchctl_rows() {
        let rows = parse_launchctl_list("PID\tStatus\tLabel\n-\t0\ta.b\n612\t-9\tc.d\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].pid, None);
        assert_eq!(rows[1].status, -9);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn memory_and_zone() {
        let vm = "Mach Virtual Memory Statistics: (page size of 16384 bytes)\nPages free: 10.\n\
                  Pages active: 20.\nPages wired down: 2.\nPages zero filled: 99.\n";
        assert_eq!(memory_from_vm_stat(vm), Some(32 * 16384));
        assert_eq!(time_zone("Time Zone: America/Denver\n"), Some(("America/Denver".into(), 1)));
        assert_eq!(time_zone("nothing"), None);
    }
}
