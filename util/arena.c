/*
 * arena.c — many small blocks that are freed together.
 *
 * A thing that owns many small strings or records (the pages a crawl has
 * yet to fetch, the fields of one stored item, the per-node notes of an
 * extraction pass) takes them from an arena instead of one malloc each:
 * no per-block header, no per-block free, one release for all.
 *
 * Invariants: a block is carved from the newest chunk (of a->chunk bytes,
 * FS_ARENA_CHUNK when 0), or from a chunk of its own when it is bigger
 * than a quarter of that, so little is wasted at a chunk's end; a block
 * never moves and is aligned for any type; fs_arena_release() frees every
 * chunk and leaves the arena empty and usable again.
 */
#include "util.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct fs_arena_chunk {
    struct fs_arena_chunk *next;
    size_t used, size;          /* bytes of data */
    max_align_t data[];
};

void *fs_arena_alloc(struct fs_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX - align)
        fs_oom();
    n = (n + align - 1) & ~(align - 1);
    size_t chunk = a->chunk ? a->chunk : FS_ARENA_CHUNK;
    struct fs_arena_chunk *c = a->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > chunk / 4 ? n : chunk;
        c = fs_malloc(sizeof(*c) + size);
        c->used = 0;
        c->size = size;
        if (size == n && a->chunks) {
            /* a big block: behind the current chunk, whose room stays */
            c->next = a->chunks->next;
            a->chunks->next = c;
        } else {
            c->next = a->chunks;
            a->chunks = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

char *fs_arena_strdup(struct fs_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    return memcpy(fs_arena_alloc(a, n), s, n);
}

void fs_arena_release(struct fs_arena *a)
{
    while (a->chunks) {
        struct fs_arena_chunk *next = a->chunks->next;
        free(a->chunks);
        a->chunks = next;
    }
}
