//! Captured command outputs under `snapshot/`: `launchctl list` (what is loaded and how
//! each job last ended), `vm_stat` (physical memory), `systemsetup -gettimezone`, and the
//! backup listings: `pg_restore --list` (is the dump readable), `tar -tzf` (what the config
//! tarball holds) and `rclone ls` (what the off-site store holds).

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

/// What `pg_restore --list` says about a dump: its header fields and the tables it holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DumpListing {
    /// `TOC Entries: N` and its line.
    pub entries: Option<(u32, u32)>,
    /// `Format: CUSTOM` and its line.
    pub format: Option<(String, u32)>,
    /// `dbname: x`.
    pub dbname: Option<String>,
    /// `schema.name` of each `TABLE` entry (not `TABLE DATA`) and its line.
    pub tables: Vec<(String, u32)>,
    /// The first line that is neither a comment nor a TOC entry (an error message), if any.
    pub stray: Option<(String, u32)>,
}

impl DumpListing {
    /// Readable: a header with at least one TOC entry and no error text.
    pub fn readable(&self) -> bool {
        self.entries.is_some_and(|(n, _)| n > 0) && self.stray.is_none()
    }
}

pub fn parse_pg_restore_list(text: &str) -> DumpListing {
    let mut listing = DumpListing::default();
    for (index, line) in text.lines().enumerate() {
        let number = index as u32 + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix(';') {
            let Some((key, value)) = comment.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "TOC Entries" => listing.entries = value.parse().ok().map(|n| (n, number)),
                "Format" => listing.format = Some((value.to_string(), number)),
                "dbname" => listing.dbname = Some(value.to_string()),
                _ => {}
            }
            continue;
        }
        // `id; oid oid TYPE schema name owner`; TYPE may be several words (`TABLE DATA`).
        let Some((id, rest)) = trimmed.split_once(';') else {
            listing.stray.get_or_insert((trimmed.to_string(), number));
            continue;
        };
        if id.trim().parse::<u32>().is_err() {
            listing.stray.get_or_insert((trimmed.to_string(), number));
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() >= 5 && fields[2] == "TABLE" && fields[3] != "DATA" {
            listing.tables.push((format!("{}.{}", fields[3], fields[4]), number));
        }
    }
    listing
}

/// The paths `tar -tzf` lists, one a line, with their line numbers.
pub fn parse_tar_list(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| (line.trim().to_string(), index as u32 + 1))
        .collect()
}

/// One row of `rclone ls`: size in bytes (right-aligned), path, line.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteFile {
    pub size: u64,
    pub path: String,
    pub line: u32,
}

pub fn parse_rclone_ls(text: &str) -> Vec<RemoteFile> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (size, path) = line.trim_start().split_once(' ')?;
            let path = path.trim_start();
            (!path.is_empty()).then_some(())?;
            Some(RemoteFile {
                size: size.parse().ok()?,
                path: path.to_string(),
                line: index as u32 + 1,
            })
        })
        .collect()
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

    #[test]
    fn pg_restore_listing() {
        let text = ";\n; Archive created at 2026-12-02 03:00:01 MST\n;     dbname: app\n\
                    ;     TOC Entries: 3\n;     Format: CUSTOM\n;\n\
                    5; 2615 2200 SCHEMA - public owner\n\
                    231; 1259 16422 TABLE public users app\n\
                    4380; 0 16422 TABLE DATA public users app\n";
        let listing = parse_pg_restore_list(text);
        assert_eq!(listing.entries, Some((3, 4)));
        assert_eq!(listing.format, Some(("CUSTOM".to_string(), 5)));
        assert_eq!(listing.dbname.as_deref(), Some("app"));
        assert_eq!(listing.tables, vec![("public.users".to_string(), 8)]);
        assert!(listing.readable());

        let empty = parse_pg_restore_list(";     TOC Entries: 0\n;     Format: CUSTOM\n");
        assert!(!empty.readable());
        let error = parse_pg_restore_list(
            "pg_restore: error: input file is too short (read 0, expected 5)\n",
        );
        assert!(!error.readable());
        assert_eq!(error.stray.map(|(_, line)| line), Some(1));
    }

    #[test]
    fn tar_listing() {
        let paths = parse_tar_list("a/b\n\nc/.env\n");
        assert_eq!(paths, vec![("a/b".to_string(), 1), ("c/.env".to_string(), 3)]);
    }

    #[test]
    fn rclone_listing() {
        let rows = parse_rclone_ls("178204113 db-2026-10-12.dump\n        0 my dump.dump\nnoise\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].size, 178204113);
        assert_eq!(rows[1], RemoteFile { size: 0, path: "my dump.dump".to_string(), line: 2 });
    }
}
