/* A C99 port of part of the LUNA arithmetic as lunaref specifies it: the rounding primitives
 * (spec/numerics.md §3-4, spec/luna.md §1), iqAdd (spec/ops/iqadd.md) and Conv2dInt (spec/ops/conv2dint.md).
 *
 * Everything is integer arithmetic on int64_t; nothing overflows (each function says why).  Errors are
 * reported by name, as spec/errors.md spells them, so a must-error vector can be checked. */
#ifndef LUNA_PORT_H
#define LUNA_PORT_H

#include <stdint.h>

#include "npy.h"

/* The platform facts these ops depend on (lunaref.platforms.Profile; spec/ops/conv2dint.md Capabilities). */
typedef struct {
    const char *name;
    unsigned vector_in, vector_out;   /* element-wise primitives: bit masks of operand/result widths (8|16|32|64) */
    int vector_pairs_restricted;      /* venusA: only 32-bit operands may give a 64-bit result */
    unsigned conv_out;                /* Conv2dInt result widths */
    unsigned iqadd;                   /* iqAdd operand (= result) widths */
    int max_kernel, max_pad;
    unsigned strides, dilations;      /* bit k set: k allowed */
} platform;

const platform *platform_by_name(const char *name);

/* The error names a computation can report (spec/errors.md); NULL means success. */
typedef const char *luna_error;

/* floor(v / 2^s + 1/2), s >= 0: the LUNA rounding shift, unsaturated (numerics.md §3.1). */
int64_t luna_rshift(int64_t v, int64_t s);
/* Clamp to the range of a signed integer of the given width (numerics.md §4). */
int64_t luna_saturate(int64_t v, int bits);
/* sat(v · 2^k), k >= 0, exact: v · 2^k is formed only when it fits int64, else it saturates anyway. */
int64_t luna_shl_sat(int64_t v, int64_t k, int bits);

/* Level "primitive": name is rshift, add, sub, mul, scale or offset (spec/luna.md §1, §6). */
luna_error luna_vector(const char *name, const platform *p, const tensor *a, const tensor *b, int64_t k,
                       int64_t shift, int out_bits, tensor *out);

/* iqAdd: Y = sat(rescale(X1, e1 − eY) + rescale(X2, e2 − eY)). */
luna_error iqadd(const platform *p, const tensor *x1, int64_t e1, const tensor *x2, int64_t e2,
                 int out_bits, int64_t ey, tensor *y);

/* Conv2dInt attributes (ONNX names; -1 in kernel_shape: take the weight's). */
typedef struct {
    int64_t kernel[2], strides[2], pads[4], dilations[2], group;
    int relu;
    int malformed;   /* an attribute is not of its spec'd form: UnsupportedAttribute after the shape checks */
} conv_attrs;

/* Conv2dInt: Y = act(sat(rshift(Σ X·W + B, eX + eW − eY)))  (exact left scale when the shift is negative). */
luna_error conv2dint(const platform *p, const tensor *x, int64_t ex, const tensor *w, int64_t ew,
                     const tensor *bias, const conv_attrs *a, int out_bits, int64_t ey, tensor *y);

#endif
