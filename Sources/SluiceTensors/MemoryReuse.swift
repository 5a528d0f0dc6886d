import CSluiceKernels

/// Keeps freed activation buffers in the process for the next batch.
///
/// By default glibc serves a block of over 128 KiB (more once it has adapted) by `mmap` and
/// hands it back to the system when freed; every forward pass then takes a page fault for each
/// 4 KiB of its fresh buffers (the vocabulary logits of 32 masked rows alone are 3.9 MB):
/// 195,000 faults in 100 passes of 32 `test [MASK]`, against 13,000 with this set, and 6 %
/// less CPU time. Blocks up to 32 MiB come from the heap instead, and a heap's free top is
/// given back only beyond 1 GiB, so the process keeps the high-water mark of its activations
/// (bounded by `EncoderStack.rowsPerPass`) rather than mapping it again for every batch.
public enum MemoryReuse {
    /// Sets glibc's thresholds; call once, before the first forward pass. A no-op without glibc.
    public static func keepFreedBlocks() { sluice_keep_freed_blocks() }
}
