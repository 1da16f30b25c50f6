//! Key material in memory pages of its own: locked in RAM (never written
//! to swap, as far as the process may lock pages) and wiped in place when
//! dropped.
//!
//! Every key a vehicle keeps beyond one call lives in a [`Locked`]: the
//! data key, the sealed files' key, the key schedule of each sealed file
//! while it is open, the machine secret once unsealed, and the device's
//! signing key. A page holds one value only, so unlocking one
//! (`munlock` is not counted) never unlocks another.

use kordon_record::DeviceKey;
use ring::aead::{LessSafeKey, UnboundKey, AES_256_GCM};
use std::fmt;
use std::ops::Deref;
use std::sync::Once;
use zeroize::Zeroize;

/// Key material that can be overwritten in place.
pub trait Wipe {
    fn wipe(&mut self);
}

impl Wipe for [u8; 32] {
    fn wipe(&mut self) {
        self.zeroize();
    }
}

/// ring offers no way to zeroize a key schedule: it is overwritten, in
/// place, by the schedule of the all-zero key. Best effort: the write is
/// an ordinary one that `black_box` keeps the compiler from dropping
/// (which it does in practice, without the guarantee `zeroize`'s volatile
/// writes give).
impl Wipe for LessSafeKey {
    fn wipe(&mut self) {
        if let Ok(zero) = UnboundKey::new(&AES_256_GCM, &[0u8; 32]) {
            *self = LessSafeKey::new(zero);
        }
        // The overwrite must happen even though the memory is freed next.
        std::hint::black_box(&*self);
    }
}

/// The signing key's own `Drop` zeroizes it; a wipe zeroizes it and
/// leaves the key of the all-zero seed in its place.
impl Wipe for DeviceKey {
    fn wipe(&mut self) {
        *self = DeviceKey::from_seed(&[0u8; 32]);
        std::hint::black_box(&*self);
    }
}

/// The page size [`Page`] is aligned to.
const PAGE: usize = 4096;

/// The page(s) a value has to itself.
#[repr(C, align(4096))]
struct Page<T>(T);

/// A value in pages of its own, locked in RAM where the process may lock
/// them (`RLIMIT_MEMLOCK`), wiped when dropped. Making one makes the
/// process non-dumpable ([`crate::guard_process`]).
pub struct Locked<T: Wipe> {
    /// Dropped after the value was wiped, before its page is freed.
    lock: Option<region::LockGuard>,
    page: Box<Page<T>>,
}

impl<T: Wipe> Locked<T> {
    /// Moves `value` into a page of its own and locks the page. A value
    /// made with the key in it passes through the stack on its way (safe
    /// Rust cannot build it in place); a blank value filled through
    /// [`Locked::get_mut`] keeps the bytes off the stack.
    ///
    /// Nothing is locked on a machine whose pages are larger than 4 KiB
    /// (two values would share a page, and dropping one would unlock the
    /// other's), nor beyond the process's `RLIMIT_MEMLOCK`; either is
    /// logged once, and the value is still wiped when dropped.
    pub fn new(value: T) -> Self {
        crate::guard_process();
        let page = Box::new(Page(value));
        let lock = if region::page::size() == PAGE {
            region::lock(&*page as *const Page<T>, std::mem::size_of::<Page<T>>()).ok()
        } else {
            None
        };
        if lock.is_none() {
            static TOLD: Once = Once::new();
            TOLD.call_once(|| {
                tracing::warn!(
                    page_size = region::page::size(),
                    "a key could not be locked in RAM (pages other than 4 KiB, or RLIMIT_MEMLOCK reached): it may be written to swap; it is still wiped when dropped"
                );
            });
        }
        Locked { lock, page }
    }

    pub fn get(&self) -> &T {
        &self.page.0
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        &mut self.page.0
    }

    /// Whether the value's pages are locked in RAM.
    pub fn is_locked(&self) -> bool {
        self.lock.is_some()
    }
}

impl Locked<[u8; 32]> {
    /// A locked copy of `bytes` (the caller wipes its own).
    pub fn copy_of(bytes: &[u8; 32]) -> Self {
        let mut held = Locked::new([0u8; 32]);
        held.get_mut().copy_from_slice(bytes);
        held
    }
}

impl<T: Wipe> Deref for Locked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T: Wipe> Drop for Locked<T> {
    fn drop(&mut self) {
        self.page.0.wipe();
    }
}

impl<T: Wipe> fmt::Debug for Locked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Locked({} bytes, locked: {})",
            std::mem::size_of::<T>(),
            self.is_locked()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::aead::{Aad, Nonce};

    fn sealed_by(key: &LessSafeKey) -> Vec<u8> {
        let mut bytes = b"a plate, a note".to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::empty(),
            &mut bytes,
        )
        .expect("seal");
        bytes
    }

    fn key(bytes: [u8; 32]) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).expect("key"))
    }

    #[test]
    fn a_wiped_key_schedule_is_the_zero_key() {
        let mut held = Locked::new(key([7; 32]));
        let before = sealed_by(held.get());
        assert_eq!(before, sealed_by(&key([7; 32])));
        held.get_mut().wipe();
        let after = sealed_by(held.get());
        assert_ne!(after, before);
        assert_eq!(after, sealed_by(&key([0; 32])));
    }

    /// Counts its wipes.
    struct Probe(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Wipe for Probe {
        fn wipe(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn dropping_wipes_once() {
        let wipes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let held = Locked::new(Probe(wipes.clone()));
        assert_eq!(wipes.load(std::sync::atomic::Ordering::SeqCst), 0);
        drop(held);
        assert_eq!(wipes.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn a_wiped_signing_key_is_the_zero_seed() {
        let mut held = Locked::new(DeviceKey::from_seed(&[5; 32]));
        assert_eq!(held.public(), DeviceKey::from_seed(&[5; 32]).public());
        held.get_mut().wipe();
        assert_eq!(held.public(), DeviceKey::from_seed(&[0; 32]).public());
    }

    #[test]
    fn wiped_bytes_are_zero_and_a_value_has_its_own_page() {
        let mut held = Locked::new([0u8; 32]);
        held.get_mut().copy_from_slice(&[9; 32]);
        assert!(held.is_locked(), "RLIMIT_MEMLOCK allows one page");
        assert_eq!(std::mem::size_of::<Page<[u8; 32]>>(), 4096);
        assert!(std::mem::size_of::<Page<LessSafeKey>>() <= 4096);
        assert_eq!(held.get().as_ptr() as usize % 4096, 0);
        held.get_mut().wipe();
        assert_eq!(held.get(), &[0; 32]);
    }
}
