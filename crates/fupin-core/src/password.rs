//! The password policy: what a new password must be. Hashing and checking belong to the
//! services layer; this is only the rule, so it can be shown on forms and tested alone.

/// Shortest password accepted. Long beats clever: ten characters of two kinds resist
/// guessing far better than eight of four, and are still typed on a cheap phone.
pub const MIN_LENGTH: usize = 10;
/// Longest accepted (argon2 would take any length; this bounds the work a login can cause).
pub const MAX_LENGTH: usize = 128;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    /// Letters only, digits only, …: at least two of letters, digits and other characters.
    OneKindOnly,
    /// The username (or the username reversed) inside the password.
    ContainsUsername,
}

impl crate::message::Explained for PasswordProblem {
    fn message(&self) -> crate::Message {
        use crate::Message;
        match self {
            PasswordProblem::TooShort => Message::new("password.too_short").with("n", MIN_LENGTH),
            PasswordProblem::TooLong => Message::new("password.too_long").with("n", MAX_LENGTH),
            PasswordProblem::OneKindOnly => Message::new("password.one_kind_only"),
            PasswordProblem::ContainsUsername => Message::new("password.contains_username"),
        }
    }
}

crate::explained_error!(PasswordProblem, &[MESSAGES]);

/// The texts of [`PasswordProblem`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "password.too_short",
        "密码至少 {n} 个字符",
        "The password needs at least {n} characters",
    ),
    (
        "password.too_long",
        "密码最多 {n} 个字符",
        "The password takes at most {n} characters",
    ),
    (
        "password.one_kind_only",
        "密码须包含字母、数字、符号中的至少两类",
        "Use at least two of letters, digits and symbols",
    ),
    (
        "password.contains_username",
        "密码不能包含用户名",
        "The password must not contain the username",
    ),
];

/// Checks a new password for `username` against the policy.
pub fn check(username: &str, password: &str) -> Result<(), PasswordProblem> {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if chars.len() > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
    }
    let kinds = [
        chars.iter().any(|c| c.is_alphabetic()),
        chars.iter().any(|c| c.is_ascii_digit()),
        chars.iter().any(|c| !c.is_alphanumeric()),
    ];
    if kinds.iter().filter(|k| **k).count() < 2 {
        return Err(PasswordProblem::OneKindOnly);
    }
    let lower = password.to_lowercase();
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 {
        let reversed: String = user.chars().rev().collect();
        if lower.contains(&user) || lower.contains(&reversed) {
            return Err(PasswordProblem::ContainsUsername);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_policy() {
        assert_eq!(check("wang", "abc123"), Err(PasswordProblem::TooShort));
        assert_eq!(
            check("wang", "qwertyuiopas"),
            Err(PasswordProblem::OneKindOnly)
        );
        assert_eq!(
            check("wang", "12345678901"),
            Err(PasswordProblem::OneKindOnly)
        );
        assert_eq!(check("wang", "1234567890ab"), Ok(()));
        assert_eq!(
            check("zhangwei", "Zhangwei2024!"),
            Err(PasswordProblem::ContainsUsername)
        );
        assert_eq!(
            check("zhangwei", "iewgnahz-2024"),
            Err(PasswordProblem::ContainsUsername)
        );
        assert_eq!(
            check("zhangwei", "扶贫攻坚2020年底前"),
            Ok(()),
            "Chinese letters count"
        );
        assert_eq!(
            check("zw", "zw-zw-zw-zw"),
            Ok(()),
            "short usernames are not searched"
        );
        assert_eq!(check("u", &"a1".repeat(65)), Err(PasswordProblem::TooLong));
    }

    proptest! {
        #[test]
        fn accepted_passwords_meet_every_rule(user in "[a-z]{3,8}", pw in "\\PC{0,20}") {
            if check(&user, &pw).is_ok() {
                prop_assert!(pw.chars().count() >= MIN_LENGTH);
                prop_assert!(!pw.to_lowercase().contains(&user));
            }
        }
    }
}
