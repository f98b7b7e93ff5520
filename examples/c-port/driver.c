/* The batch driver: speaks lunaref's subprocess protocol (spec/formats/vectors.md §6).
 *
 *   luna-port request.json response.json
 *
 * For each case of the request it reads <dir>/case.json and the input .npy files, computes the case with
 * luna_port.c if it is one of the ported ops, writes <outputs>/out0.npy, and records "ok", "error" (with
 * the error name) or "unsupported" in response.json.  Exit status 0 unless the request cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "luna_port.h"
#include "npy.h"

#define MAX_INPUTS 4
#define PATH_LEN 4096

typedef struct {
    tensor in[MAX_INPUTS];
    int64_t exponent[MAX_INPUTS];
    int n_in;
    int out_bits;
    int64_t out_exponent;
} operands;

static int ints_attr(const json *attrs, const char *name, int64_t *out, size_t n) {
    /* 1: absent (out untouched); 0: read; -1: not n non-negative integers (UnsupportedAttribute) */
    const json *v = json_get(attrs, name);
    if (!v) return 1;
    if (json_len(v) != n) return -1;
    for (size_t i = 0; i < n; i++)
        if (json_int(json_at(v, i), &out[i]) || out[i] < 0) return -1;
    return 0;
}

static int int_attr(const json *attrs, const char *name, int64_t *out) {
    const json *v = json_get(attrs, name);
    return v ? (json_int(v, out) ? -1 : 0) : 1;
}

static luna_error run_conv(const platform *p, const operands *o, const json *attrs, tensor *y) {
    conv_attrs a = {{-1, -1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, 0, 0};
    const char *act = json_str(json_get(attrs, "act"));
    a.malformed = ints_attr(attrs, "kernel_shape", a.kernel, 2) < 0 || ints_attr(attrs, "strides", a.strides, 2) < 0 ||
                  ints_attr(attrs, "pads", a.pads, 4) < 0 || ints_attr(attrs, "dilations", a.dilations, 2) < 0 ||
                  int_attr(attrs, "group", &a.group) < 0 || (act && strcmp(act, "none") && strcmp(act, "relu"));
    a.relu = act && !strcmp(act, "relu");
    if (o->n_in < 2 || o->n_in > 3) return "ShapeMismatch";
    return conv2dint(p, &o->in[0], o->exponent[0], &o->in[1], o->exponent[1], o->n_in > 2 ? &o->in[2] : NULL, &a,
                     o->out_bits, o->out_exponent, y);
}

static luna_error run_primitive(const char *op, const platform *p, const operands *o, const json *attrs, tensor *y) {
    int64_t shift = 0, k = 0;
    int out_bits = 64;
    if (int_attr(attrs, "shift", &shift)) return "UnsupportedAttribute";
    if (strcmp(op, "rshift")) {
        out_bits = dtype_bits(json_str(json_get(attrs, "out")));
        if (!out_bits) return "DTypeMismatch";
    }
    if ((!strcmp(op, "scale") || !strcmp(op, "offset")) && int_attr(attrs, "k", &k)) return "UnsupportedAttribute";
    return luna_vector(op, p, &o->in[0], o->n_in > 1 ? &o->in[1] : &o->in[0], k, shift, out_bits, y);
}

static int ported(const char *level, const char *op) {
    static const char *primitives[] = {"rshift", "add", "sub", "mul", "scale", "offset"};
    if (!strcmp(level, "op")) return !strcmp(op, "iqAdd") || !strcmp(op, "Conv2dInt");
    if (strcmp(level, "primitive")) return 0;
    for (size_t i = 0; i < sizeof primitives / sizeof *primitives; i++)
        if (!strcmp(op, primitives[i])) return 1;
    return 0;
}

/* Compute one case.  Returns NULL and writes out0.npy, or the error name; *unsupported set if not ported. */
static luna_error run_case(const json *req, int *unsupported, char *msg, size_t msglen) {
    const char *dir = json_str(json_get(req, "dir")), *outdir = json_str(json_get(req, "outputs"));
    const char *level = json_str(json_get(req, "level")), *op = json_str(json_get(req, "op"));
    const platform *p = platform_by_name(json_str(json_get(req, "platform")));
    char path[PATH_LEN];
    operands o;
    tensor y = {0};
    json *doc;
    const json *inputs, *outputs, *attrs;
    luna_error e = NULL;

    *unsupported = !dir || !outdir || !level || !op || !p || !ported(level, op);
    if (*unsupported) return NULL;
    snprintf(path, sizeof path, "%s/case.json", dir);
    if (!(doc = json_load(path, msg, msglen))) return "MalformedVector";
    inputs = json_get(doc, "inputs"), outputs = json_get(doc, "outputs"), attrs = json_get(doc, "attrs");
    memset(&o, 0, sizeof o);
    o.n_in = (int)json_len(inputs);
    if (!strcmp(op, "Conv2dInt") && o.n_in >= 2 &&
        (strcmp(json_str(json_get(json_at(inputs, 0), "dtype")), "int8") ||
         strcmp(json_str(json_get(json_at(inputs, 1), "dtype")), "int8")))
        o.n_in = 0;  /* only the int8 × int8 convolution is ported (not int16 activations, not int4 weights) */
    if (o.n_in < 1 || o.n_in > MAX_INPUTS || json_len(outputs) != 1) {
        json_free(doc);
        *unsupported = 1;
        return NULL;
    }
    o.out_bits = dtype_bits(json_str(json_get(json_at(outputs, 0), "dtype")));
    if (json_int(json_get(json_at(outputs, 0), "exponent"), &o.out_exponent)) o.out_exponent = 0;
    for (int i = 0; i < o.n_in && !e; i++) {
        const json *in = json_at(inputs, (size_t)i);
        snprintf(path, sizeof path, "%s/%s", dir, json_str(json_get(in, "file")));
        if (npy_read(path, &o.in[i], msg, msglen)) e = "MalformedVector";
        else if (json_int(json_get(in, "exponent"), &o.exponent[i])) o.exponent[i] = 0;
    }
    if (!e && !strcmp(level, "primitive")) e = run_primitive(op, p, &o, attrs, &y);
    else if (!e && !strcmp(op, "iqAdd"))
        e = o.n_in != 2 ? "ShapeMismatch"
                        : iqadd(p, &o.in[0], o.exponent[0], &o.in[1], o.exponent[1], o.out_bits, o.out_exponent, &y);
    else if (!e) e = run_conv(p, &o, attrs, &y);
    if (!e) {
        snprintf(path, sizeof path, "%s/out0.npy", outdir);
        if (npy_write(path, &y, msg, msglen)) e = "WriteFailed";
    }
    for (int i = 0; i < o.n_in; i++) tensor_free(&o.in[i]);
    tensor_free(&y);
    json_free(doc);
    return e;
}

int main(int argc, char **argv) {
    char err[512];
    json *request;
    const json *cases;
    FILE *out;
    if (argc != 3) {
        fprintf(stderr, "usage: %s request.json response.json\n", argv[0]);
        return 2;
    }
    if (!(request = json_load(argv[1], err, sizeof err))) {
        fprintf(stderr, "luna-port: %s\n", err);
        return 1;
    }
    cases = json_get(request, "cases");
    if (!(out = fopen(argv[2], "w"))) {
        fprintf(stderr, "luna-port: cannot write %s\n", argv[2]);
        return 1;
    }
    fprintf(out, "{\"format\": \"lunaref-batch/1\", \"results\": {");
    for (size_t i = 0; i < json_len(cases); i++) {
        const json *c = json_at(cases, i);
        const char *id = json_str(json_get(c, "id"));
        int unsupported;
        luna_error e;
        if (!id) continue;
        err[0] = '\0';
        e = run_case(c, &unsupported, err, sizeof err);
        if (err[0]) fprintf(stderr, "luna-port: %s: %s\n", id, err);
        fprintf(out, "%s\n \"%s\": ", i ? "," : "", id);  /* case ids are [A-Za-z0-9/._-] (vectors.md §1) */
        if (unsupported) fprintf(out, "{\"status\": \"unsupported\"}");
        else if (e) fprintf(out, "{\"status\": \"error\", \"error\": \"%s\"}", e);
        else fprintf(out, "{\"status\": \"ok\"}");
    }
    fprintf(out, "\n}}\n");
    json_free(request);
    return fclose(out) ? 1 : 0;
}
