//! Database URLs as they may be shown in an error or a log: every secret replaced by `***`.
//!
//! Owns the one rule for what in a URL is secret: the password in the user info, and the value
//! of any query parameter whose name says it holds one (`password`, `sslpassword`, …). When the
//! URL is malformed (a password with an unescaped `@` or `/`), it errs on the side of hiding too
//! much. Used by configuration (`Debug`), startup and the store; it must not do I/O.

/// Whether a query parameter's name says it holds a secret (`%`-escapes decoded first, so that
/// `p%61ssword` counts as `password`).
pub fn is_secret_parameter(name: &str) -> bool {
    let name = percent_decoded(name).to_ascii_lowercase();
    ["pass", "pwd", "secret", "token"]
        .iter()
        .any(|word| name.contains(word))
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with the user-info password and every secret query value replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let split = url.find("://").map(|i| i + 3);
    let (head, rest) = url.split_at(split.unwrap_or(0));
    // User info ends at the last `@` of the authority; if a `/`, `?` or `#` in an unescaped
    // password ended the authority early, at the last `@` anywhere.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = match split {
        Some(_) => rest[..authority_end]
            .rfind('@')
            .or_else(|| rest.rfind('@').filter(|&at| rest[..at].contains(':'))),
        None => None,
    };
    let (userinfo, after) = match at {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(head);
    if let Some(userinfo) = userinfo {
        match userinfo.split_once(':') {
            Some((user, _password)) => {
                out.push_str(user);
                out.push_str(":***");
            }
            None => out.push_str(userinfo),
        }
        out.push('@');
    }
    out.push_str(&redact_query(after));
    out
}

/// `path?a=1&password=x#f` → `path?a=1&password=***#f`.
fn redact_query(rest: &str) -> String {
    let Some((path, query)) = rest.split_once('?') else {
        return rest.to_owned();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_parameter(name) => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    let mut out = format!("{path}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_is_redacted_and_nothing_else() {
        for (url, shown) in [
            ("postgres://u:secret@h/db", "postgres://u:***@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("sqlite://data/x.db", "sqlite://data/x.db"),
            ("sqlite://data/x.db?mode=rwc", "sqlite://data/x.db?mode=rwc"),
            (
                "postgres://u@h/db?password=hunter2&sslmode=require",
                "postgres://u@h/db?password=***&sslmode=require",
            ),
            (
                "postgresql://h:5432/db?user=u&sslpassword=k3y&PassWord=x",
                "postgresql://h:5432/db?user=u&sslpassword=***&PassWord=***",
            ),
            (
                "postgres://h/db?p%61ssword=x&sslmode=disable",
                "postgres://h/db?p%61ssword=***&sslmode=disable",
            ),
            (
                "postgres://u:s3cret@h/db?password=other",
                "postgres://u:***@h/db?password=***",
            ),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn a_malformed_password_is_hidden_all_the_same() {
        for url in [
            "postgres://u:p@ss@h/db",
            "postgres://u:pa/ss@h/db",
            "postgres://u:pa?ss@h/db",
            "postgres://u:pa#ss@h/db",
        ] {
            let shown = redact_url(url);
            assert!(
                !shown.contains("ss@h") || shown.contains(":***@"),
                "{shown}"
            );
            for secret in ["p@ss", "pa/ss", "pa?ss", "pa#ss"] {
                assert!(!shown.contains(secret), "{url} shown as {shown}");
            }
        }
    }
}
