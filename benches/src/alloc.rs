//! A counting global allocator: the live bytes the program holds, for the memory rows.
//!
//! Counting is off until [`start_counting`] is called, so the timed rows pay one relaxed load
//! per allocation and nothing else. The memory rows run in a child process that turns it on
//! before it builds anything, so every byte it allocates afterwards is counted.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// The system allocator, counting live bytes while counting is on.
pub struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Turns counting on for the rest of the process.
pub fn start_counting() {
    ON.store(true, Ordering::SeqCst);
}

/// Bytes allocated and not yet freed since counting started.
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::SeqCst)
}

#[inline]
fn add(n: usize) {
    if ON.load(Ordering::Relaxed) {
        LIVE.fetch_add(n as isize, Ordering::Relaxed);
    }
}

#[inline]
fn sub(n: usize) {
    if ON.load(Ordering::Relaxed) {
        LIVE.fetch_sub(n as isize, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counter
// is bookkeeping only and never affects what is returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        sub(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            sub(layout.size());
            add(new_size);
        }
        p
    }
}
