#ifndef SLUICE_MEMORY_H
#define SLUICE_MEMORY_H

/// Makes glibc's allocator keep freed blocks up to 32 MiB in the heap and not trim the heap
/// below 1 GiB, so buffers freed after one batch serve the next without new page faults.
/// A no-op without glibc.
void sluice_keep_freed_blocks(void);

#endif
