//! Argon2id hashing on a small fixed pool of threads, each with its memory allocated once: at
//! most `workers()` hashes run at once, `QUEUE` more may wait, and the rest are refused at once
//! (`Busy`). A flood of logins so costs a bounded amount of memory and CPU, and never more
//! threads; pages keep being served.

use crate::error::{AppError, AppResult};
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, ParamsString, SaltString, rand_core::OsRng},
};
use std::sync::{
    LazyLock, Mutex, OnceLock,
    mpsc::{Receiver, SyncSender, TrySendError, sync_channel},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// Hashes that may wait for a worker; more are refused at once.
const QUEUE: usize = 16;
/// The largest memory cost a stored hash may ask for (64 MiB); the default is 19 MiB.
const MAX_BLOCKS: usize = 64 * 1024;

/// The pool is busy: the caller answers 503 with `Retry-After`.
#[derive(Debug)]
pub struct Busy;

/// A place in the pool (running or waiting), taken before any other work for a login so that
/// a flood is refused before it costs database writes too.
pub struct Ticket(#[expect(dead_code, reason = "held, never read")] OwnedSemaphorePermit);

static TICKETS: LazyLock<std::sync::Arc<Semaphore>> =
    LazyLock::new(|| std::sync::Arc::new(Semaphore::new(workers() + QUEUE)));

/// A place in the pool, or `Busy` at once.
pub fn ticket() -> Result<Ticket, Busy> {
    TICKETS
        .clone()
        .try_acquire_owned()
        .map(Ticket)
        .map_err(|_| Busy)
}

enum Job {
    Hash(String),
    /// A password and the stored hash; `None` checks against a dummy hash (unknown users take
    /// as long as known ones).
    Verify(String, Option<String>),
}

type Reply = oneshot::Sender<Result<Answer, String>>;

enum Answer {
    Hashed(String),
    Verified(bool),
}

/// One worker per core beyond the first, at most two: on a two-core machine one core always
/// stays for pages.
fn workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    cores.saturating_sub(1).clamp(1, 2)
}

static POOL: LazyLock<Option<SyncSender<(Job, Reply)>>> = LazyLock::new(|| {
    let (sender, receiver) = sync_channel::<(Job, Reply)>(workers() + QUEUE);
    let receiver = std::sync::Arc::new(Mutex::new(receiver));
    let mut started = 0;
    for n in 0..workers() {
        let receiver = receiver.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || work(&receiver));
        match spawned {
            Ok(_) => started += 1,
            Err(e) => tracing::error!(error = %e, "cannot start a password hashing thread"),
        }
    }
    (started > 0).then_some(sender)
});

fn work(receiver: &Mutex<Receiver<(Job, Reply)>>) {
    let mut blocks = vec![Block::default(); Params::DEFAULT_M_COST as usize];
    loop {
        let next = receiver.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok((job, reply)) = next else {
            return;
        };
        let answer = match job {
            Job::Hash(password) => hash(&password, &mut blocks).map(Answer::Hashed),
            Job::Verify(password, stored) => {
                verify(&password, stored.as_deref(), &mut blocks).map(Answer::Verified)
            }
        };
        let _ = reply.send(answer);
    }
}

fn run(
    params: &Params,
    algorithm: Algorithm,
    version: Version,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    blocks: &mut Vec<Block>,
) -> Result<(), String> {
    let needed = params.block_count();
    if needed > MAX_BLOCKS {
        return Err(format!("a stored hash asks for {needed} KiB of memory"));
    }
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(password, salt, out, &mut blocks[..])
        .map_err(|e| e.to_string())
}

fn hash(password: &str, blocks: &mut Vec<Block>) -> Result<String, String> {
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| e.to_string())?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    run(
        &params,
        Algorithm::Argon2id,
        Version::V0x13,
        password.as_bytes(),
        salt_bytes,
        &mut out,
        blocks,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// A hash of a random password, made once: what unknown user names are checked against.
fn dummy(blocks: &mut Vec<Block>) -> Result<&'static str, String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(existing) = DUMMY.get() {
        return Ok(existing);
    }
    let made = hash(&uuid::Uuid::new_v4().to_string(), blocks)?;
    Ok(DUMMY.get_or_init(|| made))
}

fn verify(password: &str, stored: Option<&str>, blocks: &mut Vec<Block>) -> Result<bool, String> {
    let known = stored.is_some();
    let stored = match stored {
        Some(stored) => stored,
        None => dummy(blocks)?,
    };
    let parsed = PasswordHash::new(stored).map_err(|e| e.to_string())?;
    let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| e.to_string())?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err("stored hash has no salt or no output".into());
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| e.to_string())?;
    let mut out = vec![0u8; expected.len()];
    run(
        &params,
        algorithm,
        version,
        password.as_bytes(),
        salt_bytes,
        &mut out,
        blocks,
    )?;
    // `Output`'s comparison takes the same time wherever the bytes differ.
    let matches = Output::new(&out).map_err(|e| e.to_string())? == expected;
    Ok(known && matches)
}

async fn submit(job: Job, _ticket: Ticket) -> AppResult<Result<Answer, Busy>> {
    let Some(pool) = POOL.as_ref() else {
        return Err(AppError::Internal(
            "no password hashing thread is running".into(),
        ));
    };
    let (reply, answer) = oneshot::channel();
    match pool.try_send((job, reply)) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => return Ok(Err(Busy)),
        Err(TrySendError::Disconnected(_)) => {
            return Err(AppError::Internal("password hashing stopped".into()));
        }
    }
    let answer = answer.await.map_err(AppError::internal)?;
    Ok(Ok(answer.map_err(AppError::Internal)?))
}

/// Hashes a new password (Argon2id, the crate's default cost: 19 MiB, 2 passes).
pub async fn hash_password(password: &str) -> AppResult<Result<String, Busy>> {
    let Ok(ticket) = ticket() else {
        return Ok(Err(Busy));
    };
    Ok(
        match submit(Job::Hash(password.to_string()), ticket).await? {
            Ok(Answer::Hashed(hash)) => Ok(hash),
            Ok(Answer::Verified(_)) => {
                return Err(AppError::Internal("hash answered a check".into()));
            }
            Err(busy) => Err(busy),
        },
    )
}

/// Checks a password against its stored hash; `None` (an unknown user, or one without a
/// password) does the same work and is never a match.
pub async fn verify_password(
    ticket: Ticket,
    password: &str,
    stored: Option<String>,
) -> AppResult<Result<bool, Busy>> {
    Ok(
        match submit(Job::Verify(password.to_string(), stored), ticket).await? {
            Ok(Answer::Verified(ok)) => Ok(ok),
            Ok(Answer::Hashed(_)) => {
                return Err(AppError::Internal("check answered a hash".into()));
            }
            Err(busy) => Err(busy),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_interoperate_with_the_crate() {
        let mut blocks = Vec::new();
        let stored = hash("correct horse battery", &mut blocks).unwrap_or_default();
        assert!(verify("correct horse battery", Some(&stored), &mut blocks).unwrap_or(false));
        assert!(!verify("wrong", Some(&stored), &mut blocks).unwrap_or(true));
        assert!(!verify("anything", None, &mut blocks).unwrap_or(true));
        // A hash made by the crate itself (as stored before this pool existed) checks too.
        use argon2::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::default()
            .hash_password(b"old password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify("old password", Some(&old), &mut blocks).unwrap_or(false));
        // And the crate accepts ours.
        use argon2::PasswordVerifier;
        let parsed = PasswordHash::new(&stored).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
    }
}
