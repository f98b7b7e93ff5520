/* lunaref conformance vectors for C (spec/formats/vectors.md §8): the case table's types, the function a
 * port provides, and the runner's API.  C99; no allocation, no file system: suitable for on-target firmware.
 *
 * Build:  lunaref_runner.c (includes the generated lunaref_cases.h) + your port's lr_port_run().
 *         Define LR_MAIN for a host main(); define LR_PRINTF to route the report (default printf). */
#ifndef LUNAREF_VECTORS_H
#define LUNAREF_VECTORS_H

#include <stdint.h>

#define LR_MAX_DIMS 8

/* LR_INT4: int4 values unpacked one per int8_t element (formats/vectors.md §2); the packed form is the
 * tensor's `packed` array. */
typedef enum { LR_INT8, LR_INT16, LR_INT32, LR_INT64, LR_FLOAT32, LR_INT4 } lr_dtype;

typedef struct lr_tensor {
    lr_dtype dtype;
    uint32_t ndim;
    int32_t shape[LR_MAX_DIMS];
    uint32_t count;                 /* product of shape */
    int32_t has_exponent;           /* integers of a scaled tensor: value = q · 2^-exponent */
    int32_t exponent;
    const void *data;               /* count elements of dtype, C order (float32 as IEEE bits); NULL for specs */
    const struct lr_tensor *packed; /* Conv2dInt / LinearInt weight in the platform's packed layout, or NULL */
    const char *layout;             /* that layout's name (formats/resource.md §13) */
} lr_tensor;

typedef enum { LR_ATTR_INT, LR_ATTR_INTS, LR_ATTR_FLOAT, LR_ATTR_FLOATS, LR_ATTR_STR } lr_attr_kind;

typedef struct {
    const char *name;
    lr_attr_kind kind;
    int64_t i;                      /* LR_ATTR_INT (booleans are 0 / 1) */
    uint32_t n;                     /* LR_ATTR_INTS, LR_ATTR_FLOATS: the element count */
    const int64_t *ints;
    double f;                       /* LR_ATTR_FLOAT */
    const char *s;                  /* LR_ATTR_STR */
    const double *floats;           /* LR_ATTR_FLOATS */
} lr_attr;

typedef struct {
    const char *id, *platform, *level, *op;
    uint32_t n_inputs;
    const lr_tensor *inputs;
    uint32_t n_outputs;
    const lr_tensor *outputs;       /* expected outputs; for a must-error case their specs (data NULL) */
    const char *error;              /* must-error case: the error name a port must report; else NULL */
    uint32_t n_attrs;
    const lr_attr *attrs;
    const uint8_t *model;           /* level "model": the thinker resource (model.bin); else NULL */
    uint32_t model_size;
} lr_case;

/* What lr_port_run returns. */
enum { LR_OK = 0, LR_ERROR = 1, LR_UNSUPPORTED = 2 };

/* Provided by the port: compute case c.  On LR_OK, outputs[k] (room for the case's k-th output, aligned
 * for its dtype) holds the result in the output's dtype; on LR_ERROR, *error names the error
 * (spec/errors.md); LR_UNSUPPORTED skips the case. */
int lr_port_run(const lr_case *c, void *const outputs[], const char **error);

/* Provided by lunaref_runner.c. */
const lr_attr *lr_attr_get(const lr_case *c, const char *name);   /* NULL if absent */
uint32_t lr_dtype_size(lr_dtype t);                                /* bytes per element */
int lr_run_all(void);   /* runs every case, prints one line per case and a summary; returns the failures */

#endif
