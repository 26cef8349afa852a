//! The machine statistics a worker reports (`machine_stats` of
//! `workers.status_report`): CPU per core, memory and free disk.

use serde_json::{json, Map, Value};

/// CPU time counters per core, to turn two readings into a usage.
#[derive(Debug, Default, Clone)]
pub struct CpuTimes(Vec<(u64, u64)>);

/// Reads `/proc/stat`: (busy, total) jiffies per core.
pub fn cpu_times() -> CpuTimes {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    CpuTimes(
        text.lines()
            .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
            .map(|l| {
                let v: Vec<u64> = l.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
                let total: u64 = v.iter().sum();
                let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
                (total - idle.min(total), total)
            })
            .collect(),
    )
}

/// Percent busy per core between two readings.
pub fn cpu_usage(before: &CpuTimes, after: &CpuTimes) -> Vec<f64> {
    before
        .0
        .iter()
        .zip(&after.0)
        .map(|((b0, t0), (b1, t1))| {
            let total = t1.saturating_sub(*t0);
            if total == 0 {
                0.0
            } else {
                (b1.saturating_sub(*b0) as f64 * 1000.0 / total as f64).round() / 10.0
            }
        })
        .collect()
}

fn meminfo_mb(text: &str, key: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0).round())
}

/// Percent of the disk holding `path` that is free.
fn disk_free_percent(path: &std::path::Path) -> Option<f64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs(3) writes only into the zeroed struct we pass.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 || st.f_blocks == 0 {
        return None;
    }
    Some((st.f_bavail as f64 * 1000.0 / st.f_blocks as f64).round() / 10.0)
}

/// The `machine_stats` object, with `cpu_usage` from the two readings.
pub fn machine_stats(before: &CpuTimes, after: &CpuTimes, disk: &std::path::Path) -> Map<String, Value> {
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total = meminfo_mb(&mem, "MemTotal:");
    let free = meminfo_mb(&mem, "MemAvailable:");
    let mut m = Map::new();
    m.insert("cpu_usage".into(), json!(cpu_usage(before, after)));
    if let (Some(total), Some(free)) = (total, free) {
        m.insert("memory_used".into(), json!(total - free));
        m.insert("memory_free".into(), json!(free));
    }
    if let Some(p) = disk_free_percent(disk) {
        m.insert("disk_free_home".into(), json!(p));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_busy_share_of_elapsed_jiffies() {
        let a = CpuTimes(vec![(100, 1000), (0, 1000)]);
        let b = CpuTimes(vec![(150, 1100), (0, 1000)]);
        assert_eq!(cpu_usage(&a, &b), vec![50.0, 0.0]);
        assert!(!cpu_times().0.is_empty(), "/proc/stat lists cores");
        assert!(machine_stats(&a, &b, std::path::Path::new("/")).contains_key("memory_used"));
    }
}
