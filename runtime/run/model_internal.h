/* The model's internal state, shared by the files of runtime/run that
 * implement the public model API (model.c, image_input.c). */
#ifndef VKC_RUN_MODEL_INTERNAL_H
#define VKC_RUN_MODEL_INTERNAL_H

#include <stdbool.h>

#include "core/error.h"
#include "exec/exec.h"
#include "graph/graph.h"
#include "vk/kernel.h"
#include "vk/memory.h"
#include "vkcnn.h"

/* One in-flight slot (slots.c): host-visible copies of the graph inputs and
 * outputs and the command buffer that moves them around the network. */
typedef struct vkc_slot {
    vkc_buffer *inputs;    /* per graph input, VKC_MEM_UPLOAD */
    vkc_buffer *outputs;   /* per graph output, VKC_MEM_READBACK */
    bool *fresh;           /* per graph input: set since this slot's last submit */
    VkCommandBuffer *cmds; /* model->parts, recorded once: inputs -> network -> outputs */
    VkCommandBuffer *ext;  /* model->parts, re-recorded per submit with the application's
                              buffers; NULL until first used */
    /* the transfer split (model->split): device-local landing copies of the
     * inputs and outputs, the compute parts between them, the copies on the
     * transfer queue, and the semaphores chaining up -> compute -> down */
    vkc_buffer *land_in, *land_out; /* per graph input / output, VKC_MEM_DEVICE */
    VkCommandBuffer *split;         /* model->parts: land_in -> network -> land_out */
    VkCommandBuffer up, down;       /* inputs -> land_in; land_out -> outputs */
    VkSemaphore uploaded, computed;
    VkFence fence;
    VkQueryPool queries; /* when profiling */
    uint64_t ticket;     /* last ticket submitted here; 0: none */
    bool busy;           /* submitted, completion not yet seen */
} vkc_slot;

struct vkcnn_model {
    vkcnn_context *ctx;
    vkcnn_network *net; /* retained: the executor reads the graph */
    const vkc_graph *graph;
    vkc_graph *own_graph; /* with extra outputs: the network's graph with them (extra_outputs.c) */
    vkc_exec *exec;
    bool check, profile, fusion;
    vkcnn_precision precision; /* as run (auto resolved) */
    uint32_t fp32_layers;      /* auto: fp16 model's nodes kept fp32 */
    double fp16_error;         /* auto: the accepted check's error */
    char precision_note[160];  /* auto: why ("" otherwise) */
    unsigned debug;            /* VKCNN_DEBUG level, 0..3 */
    float check_rtol, check_atol;
    uint64_t last_run; /* ticket of the last vkcnn_model_run that succeeded; 0: none */
    VkCommandPool pool;
    /* The transfer split (vkc_device.xfer_split): each plain submit is
     * up (transfer queue) -> compute parts -> down (transfer queue). The
     * down copy of an inference is submitted at the next submit, behind
     * that one's up copy, or when the inference is waited for: a semaphore
     * wait blocks the queue behind it, so submitting it at once would hold
     * the next upload until this compute ends. */
    bool split;
    bool broken; /* a chain failed part-way: split off, queues drained at destroy */
    VkCommandPool xfer_pool;
    vkc_slot *pending; /* split: computed, down copy not yet submitted */
    vkc_slot *slots;
    uint32_t slot_count;
    uint32_t parts;        /* command buffers (and submits) per inference, >= 1 */
    uint64_t next_ticket;  /* tickets issued so far */
    vkc_kernel preprocess; /* image_input.c, created on first use */
    bool have_preprocess;
    struct vkc_image_refs *image_refs; /* image_ref.c: what record_image keeps; NULL: none */
    char error[VKC_ERROR_MAX];
};

/* image_ref.c: frees what vkcnn_model_record_image keeps (vkcnn_model_destroy) */
void vkc_image_refs_destroy(vkcnn_model *m);

/* slots.c */
vkcnn_status vkc_slots_create(vkcnn_model *m, uint32_t count);
void vkc_slots_destroy(vkcnn_model *m);
/* Waits until the slot the next submit uses is free, marks input `input`
 * as set on it, and returns it. Unless the caller overwrites the `whole`
 * input, its values first become the previous submit's. */
vkcnn_status vkc_slot_for_input(vkcnn_model *m, uint32_t input, bool whole, vkc_slot **out);
/* Submits the next slot; with `inputs` / `outputs` (the application's
 * buffers, see vkcnn_model_submit_vk) a command buffer recorded for them. */
vkcnn_status vkc_slots_submit(vkcnn_model *m, const vkcnn_submit_sync *sync,
                              const vkcnn_buffer_ref *inputs, const vkcnn_buffer_ref *outputs,
                              uint64_t *ticket);
/* Records one inference into cmd: inputs from the given buffers, else from
 * in_slot's (when not NULL); outputs to the given buffers, else to
 * out_slot's (when not NULL); then a barrier to every later command and
 * the host. */
void vkc_record_inference(vkcnn_model *m, VkCommandBuffer cmd, const vkc_slot *in_slot,
                          const vkc_slot *out_slot, const vkcnn_buffer_ref *inputs,
                          const vkcnn_buffer_ref *outputs, VkQueryPool queries);
vkc_slot *vkc_slot_peek(vkcnn_model *m); /* the slot the next submit uses */
vkcnn_status vkc_slots_wait(vkcnn_model *m, uint64_t ticket, uint64_t timeout_ns);
/* Output `output` (count = its element count) of `ticket`, waiting for it. */
vkcnn_status vkc_slots_read(vkcnn_model *m, uint64_t ticket, uint32_t output, float *data,
                            size_t count);

#endif
