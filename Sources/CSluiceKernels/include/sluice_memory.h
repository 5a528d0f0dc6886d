#ifndef SLUICE_MEMORY_H
#define SLUICE_MEMORY_H

/// Makes glibc's allocator serve blocks up to 32 MiB from the heap (not from mmap), and give
/// the top of a heap back to the system only once more than 1 GiB of it is free, so buffers
/// freed after one batch serve the next without new page faults. A no-op without glibc.
void sluice_keep_freed_blocks(void);

#endif
