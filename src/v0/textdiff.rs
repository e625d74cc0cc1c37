//! jsondiffpatch text diffs: `[patch, 0, 2]`, where `patch` is diff-match-patch's patch text
//! (`patch_toText`), which jsondiffpatch sends for long strings when `textDiff` is on.
//!
//! Written by hand: the Rust ports of diff-match-patch count offsets in Unicode scalars (the
//! reference, and so jsondiffpatch, counts UTF-16 code units) and apply patches fuzzily.
//! Here a patch applies exactly where it says, in UTF-16 code units, or not at all: a text
//! that is not the one the patch was made from is a mismatch, never a guess.
//!
//! The format, one hunk after another:
//!
//! ```text
//! @@ -start1,length1 +start2,length2 @@
//!  context      (a space, then text)
//! -deleted
//! +inserted
//! ```
//!
//! Coordinates are 1-based (`-5,3` starts at offset 4), a bare `-5` means length 1, and
//! `-5,0` an empty range at offset 5. Line text is `encodeURI`-escaped (`%XX` UTF-8 bytes),
//! with spaces left as they are.
//!
//! ```
//! use sajtmaskin_integrations::v0::textdiff::apply;
//!
//! assert_eq!(apply("Hej!", "@@ -1,4 +1,6 @@\n Hej\n-!\n+ d%C3%A5\n").unwrap(), "Hej då");
//! ```

/// Why a text patch was not applied (the text is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextPatchError {
    /// Not diff-match-patch patch text.
    #[error("malformed text patch: {0}")]
    Malformed(&'static str),
    /// The patch was made from another text.
    #[error("the text patch does not fit the text: {0}")]
    Mismatch(&'static str),
}

/// One hunk: where it applies in the text as patched so far, and what it replaces there.
struct Hunk {
    /// Offset of the hunk in the new text (0-based, UTF-16 code units).
    start2: usize,
    /// Context and deletions: what the text holds there.
    before: Vec<u16>,
    /// Context and insertions: what it holds afterwards.
    after: Vec<u16>,
    /// The lengths the header declares.
    length1: usize,
    length2: usize,
}

/// `start,length` of a header side (after its `-` or `+`), as 0-based start and length.
fn coordinates(text: &str) -> Result<(usize, usize), TextPatchError> {
    let bad = TextPatchError::Malformed("bad hunk coordinates");
    let number = |s: &str| s.parse::<usize>().map_err(|_| bad.clone());
    match text.split_once(',') {
        None => Ok((number(text)?.checked_sub(1).ok_or(bad.clone())?, 1)),
        Some((start, "0")) => Ok((number(start)?, 0)),
        Some((start, length)) => Ok((
            number(start)?.checked_sub(1).ok_or(bad.clone())?,
            number(length)?,
        )),
    }
}

/// The text of a line after its sign: `%XX` escapes decoded as UTF-8.
fn unescape(line: &str) -> Result<Vec<u16>, TextPatchError> {
    let bad = TextPatchError::Malformed("bad % escape");
    let mut out = Vec::with_capacity(line.len());
    let mut bytes = line.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let (Some(high), Some(low)) = (bytes.next(), bytes.next()) else {
                return Err(bad);
            };
            let digits = [high, low];
            let value = std::str::from_utf8(&digits)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(bad.clone())?;
            out.push(value);
        } else {
            out.push(byte);
        }
    }
    let text =
        String::from_utf8(out).map_err(|_| TextPatchError::Malformed("escapes are not UTF-8"))?;
    Ok(text.encode_utf16().collect())
}

fn parse(patch: &str) -> Result<Vec<Hunk>, TextPatchError> {
    let mut hunks: Vec<Hunk> = Vec::new();
    for line in patch.split('\n') {
        if let Some(header) = line.strip_prefix("@@ -") {
            let coords = header
                .strip_suffix(" @@")
                .ok_or(TextPatchError::Malformed("bad hunk header"))?;
            let at = crate::find(coords.as_bytes(), b" +")
                .ok_or(TextPatchError::Malformed("bad hunk header"))?;
            let (one, two) = (
                coords.get(..at).unwrap_or_default(),
                coords.get(at + 2..).unwrap_or_default(),
            );
            let ((_, length1), (start2, length2)) = (coordinates(one)?, coordinates(two)?);
            hunks.push(Hunk {
                start2,
                before: Vec::new(),
                after: Vec::new(),
                length1,
                length2,
            });
            continue;
        }
        let mut chars = line.chars();
        let Some(sign) = chars.next() else {
            continue;
        };
        let hunk = hunks.last_mut().ok_or(TextPatchError::Malformed(
            "text before the first hunk header",
        ))?;
        let text = unescape(chars.as_str())?;
        match sign {
            ' ' => {
                hunk.before.extend_from_slice(&text);
                hunk.after.extend_from_slice(&text);
            }
            '-' => hunk.before.extend_from_slice(&text),
            '+' => hunk.after.extend_from_slice(&text),
            _ => {
                return Err(TextPatchError::Malformed(
                    "a line must start with ' ', '-' or '+'",
                ))
            }
        }
    }
    Ok(hunks)
}

/// Where `hunk`'s lines stand in `units`. The header's lengths may exceed the lines by a
/// surrogate half at the outer edges of the hunk's context: diff-match-patch trims context by
/// code units, and `encodeURI` cannot write a lone half, so jsondiffpatch's patch text leaves
/// it out (its own `patch_apply` finds the spot fuzzily). Such a half must be in the text, as
/// a low half just before the lines or a high half just after them; nothing else is tolerated.
fn locate(units: &[u16], hunk: &Hunk) -> Result<usize, TextPatchError> {
    let missing = hunk.length1.checked_sub(hunk.before.len());
    let Some(missing) =
        missing.filter(|m| *m <= 2 && hunk.length2.checked_sub(hunk.after.len()) == Some(*m))
    else {
        return Err(TextPatchError::Malformed(
            "a hunk's lines do not match its header",
        ));
    };
    let low = |i: usize| units.get(i).is_some_and(|u| (0xDC00..=0xDFFF).contains(u));
    let high = |i: usize| units.get(i).is_some_and(|u| (0xD800..=0xDBFF).contains(u));
    for lead in 0..=missing.min(1) {
        let trail = missing - lead;
        let at = hunk.start2 + lead;
        let end = at + hunk.before.len();
        let edges = (lead == 0 || low(hunk.start2)) && (trail == 0 || (trail == 1 && high(end)));
        if edges && units.get(at..end) == Some(hunk.before.as_slice()) {
            return Ok(at);
        }
    }
    Err(TextPatchError::Mismatch(
        "the text differs where the patch applies",
    ))
}

/// `text` with `patch` applied, or why not.
pub fn apply(text: &str, patch: &str) -> Result<String, TextPatchError> {
    let hunks = parse(patch)?;
    if hunks.is_empty() {
        return Err(TextPatchError::Malformed("no hunk"));
    }
    let mut units: Vec<u16> = text.encode_utf16().collect();
    for hunk in hunks {
        let at = locate(&units, &hunk)?;
        units.splice(at..at + hunk.before.len(), hunk.after);
    }
    String::from_utf16(&units)
        .map_err(|_| TextPatchError::Mismatch("the result splits a surrogate pair"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_apply_in_utf16_units_and_refuse_another_text() {
        // "😀" is two UTF-16 units: the second hunk's offset counts both.
        let patch = "@@ -1,3 +1,3 @@\n %F0%9F%98%80\n-a\n+b\n@@ -4,2 +4,3 @@\n c\n-d\n+%C3%A9%25\n";
        assert_eq!(apply("😀acd", patch).unwrap(), "😀bcé%");
        assert_eq!(
            apply("😀xcd", patch),
            Err(TextPatchError::Mismatch(
                "the text differs where the patch applies"
            ))
        );
        assert_eq!(apply("", "@@ -0,0 +1,2 @@\n+hi\n").unwrap(), "hi");
        // A context cut inside a pair: the header counts the low half the lines leave out.
        assert_eq!(apply("x😀y", "@@ -3,2 +3,3 @@\n y\n+z\n").unwrap(), "x😀yz");
        // …and where no such half is, the hunk does not fit.
        assert!(matches!(
            apply("xaby", "@@ -3,2 +3,3 @@\n y\n+z\n"),
            Err(TextPatchError::Mismatch(_))
        ));
        for bad in [
            "",
            "@@ -1,5 +1,5 @@\n x\n",
            "@@ -1,1 +1,1 @@\n%ZZ\n",
            "x\n",
            "@@ -a +1 @@\n",
        ] {
            assert!(
                matches!(apply("xy", bad), Err(TextPatchError::Malformed(_))),
                "{bad:?}"
            );
        }
    }
}
