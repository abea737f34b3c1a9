//! Short escalation ids people can type on a phone keypad or read aloud: five characters from
//! digits and capital letters without the look-alikes (0/O, 1/I/L).

use rand::Rng;

/// The characters ids are made of.
pub(crate) const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Id length.
pub(crate) const LEN: usize = 5;

/// A fresh random id.
///
/// ```
/// let id = alertd::domain::short_id::generate();
/// assert_eq!(id.len(), 5);
/// assert!(alertd::domain::short_id::is_valid(&id));
/// ```
pub fn generate() -> String {
    let mut rng = rand::rng();
    (0..LEN)
        .map(|_| {
            let i = rng.random_range(0..ALPHABET.len());
            char::from(ALPHABET.get(i).copied().unwrap_or(b'X'))
        })
        .collect()
}

/// How people may type an id: any case, surrounding spaces.
///
/// ```
/// assert_eq!(alertd::domain::short_id::normalize(" 4f7kq "), "4F7KQ");
/// ```
pub fn normalize(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}

/// Whether `text` (normalized) has the shape of an id.
///
/// ```
/// use alertd::domain::short_id::is_valid;
/// assert!(is_valid("4F7KQ"));
/// assert!(!is_valid("4F7K"));
/// assert!(!is_valid("OOOOO"));
/// ```
pub fn is_valid(text: &str) -> bool {
    text.len() == LEN && text.bytes().all(|b| ALPHABET.contains(&b))
}
