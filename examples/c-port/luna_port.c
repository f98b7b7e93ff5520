/* The arithmetic, shaped as the spec states it: widen, accumulate exactly, round, saturate. */
#include "luna_port.h"

#include <string.h>

/* Width masks: bit 0 = 8-bit, bit 1 = 16-bit, bit 2 = 32-bit, bit 3 = 64-bit. */
#define I8 1u
#define I16 2u
#define I32 4u
#define I64 8u
#define STEPS(a, b, c) ((1u << (a)) | (1u << (b)) | (1u << (c)))

static unsigned width_bit(int bits) {
    switch (bits) {
    case 8: return I8;
    case 16: return I16;
    case 32: return I32;
    case 64: return I64;
    }
    return 0;
}

/* spec/luna.md §1 (vector forms), spec/ops/conv2dint.md and spec/ops/iqadd.md (capabilities). */
static const platform PLATFORMS[] = {
    {"venus", I8 | I16 | I32, I8 | I16 | I32, 0, I8 | I16 | I32, I8, 5, 4, STEPS(1, 2, 4), 1u << 1},
    {"venusA", I8 | I16 | I32, I8 | I16 | I32 | I64, 1, I8 | I16 | I32, I8 | I16 | I32, 12, 11, STEPS(1, 2, 4),
     STEPS(1, 2, 4) | 1u << 8},
    {"arcs", I8 | I32, I8 | I32, 0, I8 | I32, I8 | I32, 12, 11, STEPS(1, 2, 4), STEPS(1, 2, 4) | 1u << 8},
};

const platform *platform_by_name(const char *name) {
    for (size_t i = 0; name && i < sizeof PLATFORMS / sizeof *PLATFORMS; i++)
        if (!strcmp(PLATFORMS[i].name, name)) return &PLATFORMS[i];
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * numerics.md §3.1, §4: the rounding shift and saturation
 * ------------------------------------------------------------------------------------------- */

/* floor(v / 2^k) for k >= 0 without relying on >> of a negative number (implementation-defined in C):
 * for v < 0, floor(v / 2^k) = ~(~v >> k), and ~v = -v - 1 is non-negative. */
static int64_t floor_shift(int64_t v, int64_t k) {
    if (k >= 63) return v < 0 ? -1 : 0;
    return v >= 0 ? v >> k : ~(~v >> k);
}

int64_t luna_rshift(int64_t v, int64_t s) {
    /* floor(v/2^s + 1/2) = floor((floor(v/2^(s-1)) + 1) / 2): t = v >> (s-1), result (t >> 1) + (t & 1).
     * No intermediate value exceeds |v|, so nothing overflows. */
    int64_t t;
    if (s == 0) return v;
    t = floor_shift(v, s - 1);
    return floor_shift(t, 1) + (t & 1);
}

int64_t luna_saturate(int64_t v, int bits) {
    int64_t hi, lo;
    if (bits >= 64) return v;
    hi = (int64_t)((UINT64_C(1) << (bits - 1)) - 1);
    lo = -hi - 1;
    return v > hi ? hi : v < lo ? lo : v;
}

int64_t luna_shl_sat(int64_t v, int64_t k, int bits) {
    /* |v · 2^k| > INT64_MAX/2 already saturates every result width up to 32 bits, and for 64 bits
     * the result saturates to int64 whenever the product leaves it: form the product only when it fits. */
    if (v == 0) return 0;
    if (k >= 62 || v > (INT64_MAX >> k) || v < -(INT64_MAX >> k))
        return luna_saturate(v > 0 ? INT64_MAX : INT64_MIN, bits);
    return luna_saturate(v * ((int64_t)1 << k), bits);
}

/* ---------------------------------------------------------------------------------------------
 * spec/luna.md §1: element-wise primitives  sat(rshift(a op b, shift))
 * ------------------------------------------------------------------------------------------- */

static int same_shape(const tensor *a, const tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

luna_error luna_vector(const char *name, const platform *p, const tensor *a, const tensor *b, int64_t k,
                       int64_t shift, int out_bits, tensor *out) {
    /* add, sub, mul combine two vectors; offset (add) and scale (mul) combine a vector and a scalar k */
    int scalar = !strcmp(name, "scale") || !strcmp(name, "offset");
    char combine = !strcmp(name, "sub") ? '-' : (!strcmp(name, "mul") || !strcmp(name, "scale")) ? '*' : '+';
    if (!strcmp(name, "rshift")) {
        if (shift < 0) return "ShiftOutOfRange";
        if (tensor_alloc(out, 64, a->ndim, a->shape)) return "OutOfMemory";
        for (size_t i = 0; i < a->count; i++) out->data[i] = luna_rshift(a->data[i], shift);
        return NULL;
    }
    if (a->bits == 64 || !width_bit(a->bits)) return "DTypeMismatch";
    if (!scalar && b->bits != a->bits) return "DTypeMismatch";
    if (!scalar && !same_shape(a, b)) return "ShapeMismatch";
    if (scalar && (k < -((int64_t)1 << (a->bits - 1)) || k >= (int64_t)1 << (a->bits - 1))) return "ValueOutOfRange";
    if (!(p->vector_in & width_bit(a->bits)) || !(p->vector_out & width_bit(out_bits)) ||
        (p->vector_pairs_restricted && out_bits == 64 && a->bits != 32))
        return "UnsupportedOnPlatform";
    if (shift < 0) return "ShiftOutOfRange";
    if (tensor_alloc(out, out_bits, a->ndim, a->shape)) return "OutOfMemory";
    for (size_t i = 0; i < a->count; i++) {
        /* operands of at most 32 bits: sum, difference and product are exact in int64 */
        int64_t x = a->data[i], y = scalar ? k : b->data[i];
        int64_t acc = combine == '+' ? x + y : combine == '-' ? x - y : x * y;
        out->data[i] = luna_saturate(luna_rshift(acc, shift), out_bits);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * spec/ops/iqadd.md
 * ------------------------------------------------------------------------------------------- */

/* sat(x1 · 2^k1 + x2 · 2^k2) exactly, for |x| <= 2^31 and k >= 0 (rescaled operands; a right-shifted
 * operand enters with k = 0).  With k1 >= k2 the sum is 2^k2 · (x1 · 2^(k1−k2) + x2); when k1 − k2 >= 32 and
 * x1 != 0 the bracket has x1's sign and magnitude > 2^31, so the result saturates that way. */
static int64_t sum_scaled(int64_t x1, int64_t k1, int64_t x2, int64_t k2, int bits) {
    int64_t d, inner;
    if (k1 < k2) {
        int64_t t = x1; x1 = x2; x2 = t;
        t = k1; k1 = k2; k2 = t;
    }
    d = k1 - k2;
    if (x1 == 0) inner = x2;
    else if (d >= 32) inner = x1 > 0 ? INT64_MAX : INT64_MIN;
    else inner = x1 * ((int64_t)1 << d) + x2;
    if (inner == INT64_MAX || inner == INT64_MIN) return luna_saturate(inner, bits);
    return luna_shl_sat(inner, k2, bits);
}

luna_error iqadd(const platform *p, const tensor *x1, int64_t e1, const tensor *x2, int64_t e2,
                 int out_bits, int64_t ey, tensor *y) {
    int64_t s1 = e1 - ey, s2 = e2 - ey;
    if (x1->bits != x2->bits || x1->bits != out_bits || !width_bit(out_bits) || out_bits == 64)
        return "DTypeMismatch";
    if (!(p->iqadd & width_bit(out_bits))) return "UnsupportedOnPlatform";
    if (!same_shape(x1, x2)) return "ShapeMismatch";
    if (tensor_alloc(y, out_bits, x1->ndim, x1->shape)) return "OutOfMemory";
    for (size_t i = 0; i < x1->count; i++) {
        /* rescale(x, s): round half up when s > 0, exact scale up when s < 0 */
        int64_t a = s1 >= 0 ? luna_rshift(x1->data[i], s1) : x1->data[i];
        int64_t b = s2 >= 0 ? luna_rshift(x2->data[i], s2) : x2->data[i];
        y->data[i] = sum_scaled(a, s1 < 0 ? -s1 : 0, b, s2 < 0 ? -s2 : 0, out_bits);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * spec/ops/conv2dint.md
 * ------------------------------------------------------------------------------------------- */

static int allowed(unsigned mask, int64_t v) {
    return v >= 0 && v < 32 && (mask >> v & 1u);
}

luna_error conv2dint(const platform *p, const tensor *x, int64_t ex, const tensor *w, int64_t ew,
                     const tensor *bias, const conv_attrs *a, int out_bits, int64_t ey, tensor *y) {
    int64_t n, c, h, wd, oc, cg, kh, kw, oh, ow, g, shift, shape[4];
    /* the signature: int8 activations and weights, int32 bias, a result width the platform has */
    if (x->bits != 8 || w->bits != 8 || (bias && bias->bits != 32) || !width_bit(out_bits) || out_bits == 64)
        return "DTypeMismatch";
    if (!(p->conv_out & width_bit(out_bits))) return "UnsupportedOnPlatform";
    if (x->ndim != 4 || w->ndim != 4) return "ShapeMismatch";
    n = x->shape[0], c = x->shape[1], h = x->shape[2], wd = x->shape[3];
    oc = w->shape[0], cg = w->shape[1], kh = w->shape[2], kw = w->shape[3];
    if (bias && (bias->ndim != 1 || bias->shape[0] != oc)) return "ShapeMismatch";
    if (a->malformed) return "UnsupportedAttribute";
    if ((a->kernel[0] >= 0 && a->kernel[0] != kh) || (a->kernel[1] >= 0 && a->kernel[1] != kw)) return "ShapeMismatch";
    if (a->strides[0] <= 0 || a->strides[1] <= 0 || a->dilations[0] <= 0 || a->dilations[1] <= 0 || a->group < 1)
        return "UnsupportedAttribute";
    for (int i = 0; i < 4; i++)
        if (a->pads[i] < 0) return "UnsupportedAttribute";
    /* Capabilities */
    if (kh > p->max_kernel || kw > p->max_kernel || !allowed(p->strides, a->strides[0]) ||
        !allowed(p->strides, a->strides[1]) || !allowed(p->dilations, a->dilations[0]) ||
        !allowed(p->dilations, a->dilations[1]))
        return "UnsupportedOnPlatform";
    for (int i = 0; i < 4; i++)
        if (a->pads[i] > p->max_pad) return "UnsupportedOnPlatform";
    g = a->group;
    if (c % g || oc % g || cg != c / g) return "ShapeMismatch";
    {
        int64_t span_h = (kh - 1) * a->dilations[0] + 1, span_w = (kw - 1) * a->dilations[1] + 1;
        int64_t room_h = h + a->pads[0] + a->pads[2] - span_h, room_w = wd + a->pads[1] + a->pads[3] - span_w;
        if (room_h < 0 || room_w < 0) return "ShapeMismatch";
        oh = room_h / a->strides[0] + 1;
        ow = room_w / a->strides[1] + 1;
    }
    shape[0] = n, shape[1] = oc, shape[2] = oh, shape[3] = ow;
    if (tensor_alloc(y, out_bits, 4, shape)) return "OutOfMemory";
    shift = ex + ew - ey;
    for (int64_t b = 0; b < n; b++)
        for (int64_t o = 0; o < oc; o++)
            for (int64_t i = 0; i < oh; i++)
                for (int64_t j = 0; j < ow; j++) {
                    /* |acc| <= C·KH·KW·128·128 + 2^31, far inside int64 */
                    int64_t acc = bias ? bias->data[o] : 0, r;
                    int64_t c0 = (o / (oc / g)) * cg;
                    for (int64_t ci = 0; ci < cg; ci++)
                        for (int64_t u = 0; u < kh; u++)
                            for (int64_t v = 0; v < kw; v++) {
                                int64_t row = i * a->strides[0] - a->pads[0] + u * a->dilations[0];
                                int64_t col = j * a->strides[1] - a->pads[1] + v * a->dilations[1];
                                if (row < 0 || row >= h || col < 0 || col >= wd) continue; /* zero padding */
                                acc += x->data[((b * c + c0 + ci) * h + row) * wd + col] *
                                       w->data[((o * cg + ci) * kh + u) * kw + v];
                            }
                    r = shift >= 0 ? luna_saturate(luna_rshift(acc, shift), out_bits)
                                   : luna_shl_sat(acc, -shift, out_bits);
                    y->data[((b * oc + o) * oh + i) * ow + j] = a->relu && r < 0 ? 0 : r; /* ReLU after rounding */
                }
    return NULL;
}
