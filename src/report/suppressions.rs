//! `shipshape suppressions`: every suppression of a run, as a table or JSON.

use crate::diag::{Format, Listed};
use crate::problem::{At, Problem};

pub fn render(format: Format, list: &[Listed]) -> Result<String, Problem> {
    match format {
        Format::Human => Ok(human(list)),
        Format::Json => {
            let out = serde_json::json!({ "version": 1, "suppressions": list });
            Ok(serde_json::to_string_pretty(&out).unwrap_or_default() + "\n")
        }
        _ => Err(Problem::new(
            "cli::format",
            "`suppressions` lists in `human` or `json` only",
            At::Nowhere,
        )
        .with_help("use `--format json` for tooling; findings about suppressions (SS901, SS902, SS904) come in every format from `lint` and `check`")),
    }
}

fn human(list: &[Listed]) -> String {
    let mut s = String::new();
    for l in list {
        let until = match (&l.until, l.days_left) {
            (None, _) => "no expiry".to_string(),
            (Some(u), Some(d)) if d < 0 => format!("until {u} ({} days ago)", -d),
            (Some(u), Some(d)) => format!("until {u} ({d} days left)"),
            (Some(u), None) => format!("until {u}"),
        };
        s.push_str(&format!(
            "{}:{}:{}: {} {} [{}] {until}; owner: {}; reason: {}\n",
            l.file,
            l.line,
            l.column,
            l.status,
            l.rule,
            l.how,
            l.owner.as_deref().unwrap_or("none"),
            l.reason.as_deref().unwrap_or("(none)"),
        ));
    }
    let count = |st: &str| list.iter().filter(|l| l.status == st).count();
    s.push_str(&format!(
        "{} suppression{}: {} active, {} unused, {} expired, {} invalid\n",
        list.len(),
        if list.len() == 1 { "" } else { "s" },
        count("active"),
        count("unused"),
        count("expired"),
        count("invalid"),
    ));
    crate::report::excerpt::printable(&s).into_owned()
}
