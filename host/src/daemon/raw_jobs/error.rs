//! What can go wrong with a raw job: bad input, too much of it, or a device failure.

/// Why a raw job was rejected or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawJobError {
    /// The job is malformed; the message names the field and index, e.g.
    /// `scalars[3]: 2188…617 is not below the scalar field modulus r`.
    #[error("{0}")]
    Invalid(String),
    /// The job has more input elements than the daemon accepts.
    #[error("the job has {elements} input elements, above the limit of {limit}")]
    TooLarge {
        /// Input elements in the job (see [`super::RawJobLimits`] for how they are counted).
        elements: usize,
        /// The most accepted.
        limit: usize,
    },
    /// The device failed; the backend's error text.
    #[error("device error: {0}")]
    Device(String),
}

impl RawJobError {
    /// An [`RawJobError::Invalid`] with `message`.
    pub(crate) fn invalid(message: impl Into<String>) -> RawJobError {
        RawJobError::Invalid(message.into())
    }
}

impl From<zkaccel_backends::BackendError> for RawJobError {
    fn from(error: zkaccel_backends::BackendError) -> RawJobError {
        RawJobError::Device(error.to_string())
    }
}
