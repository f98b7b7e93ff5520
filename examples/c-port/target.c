/* The same port run from an exported case table (`lunaref vectors export-c`), as on-target firmware would:
 * no request files, no .npy — the cases are compiled in.  Build with the export's lunaref_runner.c:
 *
 *   lunaref vectors export-c --out export --ops iqAdd,Conv2dInt,rshift,add,sub,mul,scale,offset
 *   cc -std=c99 -DLR_MAIN -Iexport -I. export/lunaref_runner.c target.c luna_port.c npy.c -o target-check
 *
 * lr_port_run converts the table's typed arrays to luna_port.c's int64 tensors (a firmware port would run
 * its kernels on the typed buffers directly) and writes the result in the output's dtype. */
#include <string.h>

#include "lunaref_vectors.h"
#include "luna_port.h"

static const int BITS[] = {8, 16, 32, 64, 0, 0}; /* by lr_dtype; float32 and int4 are not ported */

static int to_tensor(const lr_tensor *t, tensor *out) {
    int64_t shape[NPY_MAX_DIMS];
    for (uint32_t i = 0; i < t->ndim; i++) shape[i] = t->shape[i];
    if (!BITS[t->dtype] || tensor_alloc(out, BITS[t->dtype], (int)t->ndim, shape)) return -1;
    for (uint32_t i = 0; i < t->count; i++) {
        switch (t->dtype) {
        case LR_INT8: out->data[i] = ((const int8_t *)t->data)[i]; break;
        case LR_INT16: out->data[i] = ((const int16_t *)t->data)[i]; break;
        case LR_INT32: out->data[i] = ((const int32_t *)t->data)[i]; break;
        default: out->data[i] = ((const int64_t *)t->data)[i];
        }
    }
    return 0;
}

static void from_tensor(const tensor *y, void *out) {
    for (size_t i = 0; i < y->count; i++) {
        switch (y->bits) {
        case 8: ((int8_t *)out)[i] = (int8_t)y->data[i]; break;
        case 16: ((int16_t *)out)[i] = (int16_t)y->data[i]; break;
        case 32: ((int32_t *)out)[i] = (int32_t)y->data[i]; break;
        default: ((int64_t *)out)[i] = y->data[i];
        }
    }
}

static int64_t int_attr(const lr_case *c, const char *name, int64_t fallback) {
    const lr_attr *a = lr_attr_get(c, name);
    return a && a->kind == LR_ATTR_INT ? a->i : fallback;
}

static int ints_attr(const lr_case *c, const char *name, int64_t *out, uint32_t n) {
    /* 0: read or absent; -1: not n non-negative integers */
    const lr_attr *a = lr_attr_get(c, name);
    if (!a) return 0;
    if (a->kind != LR_ATTR_INTS || a->n != n) return -1;
    for (uint32_t i = 0; i < n; i++)
        if ((out[i] = a->ints[i]) < 0) return -1;
    return 0;
}

static luna_error compute(const lr_case *c, const platform *p, const tensor *in, tensor *y) {
    const lr_tensor *o = &c->outputs[0];
    int out_bits = BITS[o->dtype];
    if (!strcmp(c->op, "iqAdd"))
        return c->n_inputs != 2 ? "ShapeMismatch"
                                : iqadd(p, &in[0], c->inputs[0].exponent, &in[1], c->inputs[1].exponent, out_bits,
                                        o->exponent, y);
    if (!strcmp(c->op, "Conv2dInt")) {
        conv_attrs a = {{-1, -1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, 0, 0};
        const lr_attr *act = lr_attr_get(c, "act");
        a.malformed = ints_attr(c, "kernel_shape", a.kernel, 2) || ints_attr(c, "strides", a.strides, 2) ||
                      ints_attr(c, "pads", a.pads, 4) || ints_attr(c, "dilations", a.dilations, 2) ||
                      (act && strcmp(act->s, "none") && strcmp(act->s, "relu"));
        a.group = int_attr(c, "group", 1);
        a.relu = act && !strcmp(act->s, "relu");
        if (c->n_inputs < 2 || c->n_inputs > 3) return "ShapeMismatch";
        return conv2dint(p, &in[0], c->inputs[0].exponent, &in[1], c->inputs[1].exponent,
                         c->n_inputs > 2 ? &in[2] : NULL, &a, out_bits, o->exponent, y);
    }
    /* a rounding primitive: rshift, add, sub, mul, scale, offset */
    {
        const lr_attr *out = lr_attr_get(c, "out");
        int bits = out ? dtype_bits(out->s) : 64;
        if (!bits) return "DTypeMismatch";
        return luna_vector(c->op, p, &in[0], c->n_inputs > 1 ? &in[1] : &in[0], int_attr(c, "k", 0),
                           int_attr(c, "shift", 0), bits, y);
    }
}

int lr_port_run(const lr_case *c, void *const outputs[], const char **error) {
    static const char *ported[][2] = {{"op", "iqAdd"}, {"op", "Conv2dInt"}, {"primitive", "rshift"},
                                      {"primitive", "add"}, {"primitive", "sub"}, {"primitive", "mul"},
                                      {"primitive", "scale"}, {"primitive", "offset"}};
    const platform *p = platform_by_name(c->platform);
    tensor in[4], y = {0};
    uint32_t n = 0;
    int known = 0;
    luna_error e = NULL;
    for (size_t k = 0; k < sizeof ported / sizeof *ported; k++)
        known |= !strcmp(c->level, ported[k][0]) && !strcmp(c->op, ported[k][1]);
    if (!p || !known || c->n_inputs > 4 || c->n_outputs != 1) return LR_UNSUPPORTED;
    if (!strcmp(c->op, "Conv2dInt") && c->n_inputs >= 2 &&
        (c->inputs[0].dtype != LR_INT8 || c->inputs[1].dtype != LR_INT8))
        return LR_UNSUPPORTED;   /* only the int8 × int8 convolution is ported */
    for (; n < c->n_inputs && !e; n++)
        if (to_tensor(&c->inputs[n], &in[n])) e = "DTypeMismatch";
    if (!e) e = compute(c, p, in, &y);
    if (!e) from_tensor(&y, outputs[0]);
    while (n) tensor_free(&in[--n]);
    tensor_free(&y);
    *error = e;
    return e ? LR_ERROR : LR_OK;
}
