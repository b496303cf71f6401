//! The wire format of remote messages: postcard (compact, not self-describing), chosen by
//! measurement (see BENCHMARKS.md).
//!
//! A decode never panics: bytes that are not a message of the expected type (a different
//! version of the message enum, a truncated or hostile payload, trailing bytes) are a
//! [`CodecError`], which the server answers as a bad request and the client reports as
//! [`CallError::Remote`](perennial_runtime::CallError::Remote).

use std::fmt;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a message could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodecError {
    /// Larger than the limit.
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not a message of the expected type.
    Malformed(String),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::TooLarge { size, max } => write!(
                f,
                "the message is {size} bytes, over the limit of {max} bytes \
                 (ClusterConfig::with_max_message)"
            ),
            CodecError::Malformed(why) => write!(
                f,
                "the message does not decode as the expected type ({why}); do both nodes run \
                 the same version of the server's messages?"
            ),
        }
    }
}

impl std::error::Error for CodecError {}

/// Encodes `value`; refuses a result over `max` bytes.
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T, max: usize) -> Result<Bytes, CodecError> {
    let bytes = postcard::to_allocvec(value).map_err(|e| CodecError::Malformed(e.to_string()))?;
    if bytes.len() > max {
        return Err(CodecError::TooLarge {
            size: bytes.len(),
            max,
        });
    }
    Ok(Bytes::from(bytes))
}

/// Decodes a `T` that must take up all of `bytes`; refuses more than `max` bytes before
/// reading any.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, CodecError> {
    if bytes.len() > max {
        return Err(CodecError::TooLarge {
            size: bytes.len(),
            max,
        });
    }
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(CodecError::Malformed(format!(
            "{} bytes left over after the message",
            rest.len()
        ))),
        Err(e) => Err(CodecError::Malformed(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[allow(non_camel_case_types)]
    enum V1 {
        add { by: i64 },
        get {},
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[allow(non_camel_case_types)]
    enum V2 {
        add { by: i64 },
        get {},
        put { key: String, value: Vec<u8> },
    }

    #[test]
    fn round_trips_and_refuses_what_it_cannot_read() {
        let bytes = encode(&V1::add { by: -3 }, 64).unwrap();
        assert_eq!(decode::<V1>(&bytes, 64), Ok(V1::add { by: -3 }));
        // An older node receiving a variant it does not know: an error, not a panic.
        let newer = encode(
            &V2::put {
                key: "k".into(),
                value: vec![1],
            },
            64,
        )
        .unwrap();
        assert!(matches!(
            decode::<V1>(&newer, 64),
            Err(CodecError::Malformed(_))
        ));
        // Trailing bytes are not silently ignored.
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(matches!(
            decode::<V1>(&longer, 64),
            Err(CodecError::Malformed(_))
        ));
        // Limits, both ways.
        assert!(matches!(
            encode(&vec![0u8; 100], 10),
            Err(CodecError::TooLarge { max: 10, .. })
        ));
        assert!(matches!(
            decode::<V1>(&[0; 100], 10),
            Err(CodecError::TooLarge { size: 100, .. })
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode::<V2>(&bytes, 1024);
            let _ = decode::<(String, Vec<u64>, Option<bool>)>(&bytes, 1024);
        }
    }
}
