/* numpy .npy files (format version 1.0/2.0/3.0) of little-endian signed integers, as lunaref's vectors hold
 * them (spec/formats/vectors.md §2).  Values are widened to int64 in memory.  C99, no dependencies. */
#ifndef LUNA_PORT_NPY_H
#define LUNA_PORT_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8

typedef struct {
    int bits;                     /* 8, 16, 32 or 64 */
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    size_t count;                 /* product of shape */
    int64_t *data;                /* count values, C order */
} tensor;

/* Read path into t (t->data malloc'ed); 0 on success, else -1 with a message in err. */
int npy_read(const char *path, tensor *t, char *err, size_t errlen);
/* Write t as a C-order little-endian .npy; values must fit t->bits.  0 on success. */
int npy_write(const char *path, const tensor *t, char *err, size_t errlen);
/* "int8" … "int64" <-> bits (0 if not a signed integer type). */
int dtype_bits(const char *name);
const char *dtype_name(int bits);
/* A zero-filled tensor of the given type and shape (data malloc'ed); 0 on success. */
int tensor_alloc(tensor *t, int bits, int ndim, const int64_t *shape);
void tensor_free(tensor *t);

#endif
