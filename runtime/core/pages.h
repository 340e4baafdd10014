/* Large host buffers: ask the kernel for transparent huge pages.
 *
 * Loading VGG-16 fills ~1.6 GB of fresh host memory (the file, the decoded
 * tensors, the device-ready copies). With 4 KiB pages every one of those
 * ~400,000 pages costs a fault, a zeroing and a mapping; on a VM the faults,
 * not the copies, dominated the parse (perf: clear_page, exc_page_fault and
 * their locks ~30% of a cold start). A 2 MiB page is one fault for 512 of
 * them. Linux's default THP mode is "madvise", so the buffer has to ask.
 *
 * Advice only: the call must precede the first write to the range to matter,
 * its failure changes nothing, and the block stays a malloc/free block. */
#ifndef VKC_CORE_PAGES_H
#define VKC_CORE_PAGES_H

#include <stddef.h>

/* Advises THP for the 2 MiB-aligned part of [p, p + n) when n is at least
 * VKC_HUGE_ADVICE_MIN. Smaller blocks are left alone: few faults to save,
 * and glibc serves most of them from its heap, whose mapping the advice
 * would split. */
#define VKC_HUGE_ADVICE_MIN ((size_t)8 << 20)
void vkc_advise_huge(void *p, size_t n);

#endif
