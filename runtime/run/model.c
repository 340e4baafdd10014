/* The public model API: a network compiled for one context's device, run
 * through the executor (runtime/exec). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "exec/exec.h"
#include "graph/network.h"
#include "passes/passes.h"
#include "run/extra_outputs.h"
#include "run/model_internal.h"
#include "tune/tune.h"
#include "vk/context.h"

static vkcnn_status model_error(vkcnn_model *m, vkcnn_status st) {
    if (st < VKCNN_OK) {
        snprintf(m->error, sizeof m->error, "%s", vkc_error_message());
        vkc_ctx_error(m->ctx, st);
    }
    return st;
}

static bool env_is(const char *name, const char *value) {
    const char *v = getenv(name);
    return v && strcmp(v, value) == 0;
}

vkcnn_status vkcnn_model_create(vkcnn_context *ctx, const vkcnn_network *net,
                                const vkcnn_model_options *options, vkcnn_model **out) {
    vkc_error_clear();
    if (!out) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_create: out is NULL");
    *out = NULL;
    if (!ctx || !net)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_create: ctx or net is NULL");
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return vkc_ctx_error(ctx, st);
    vkcnn_model *m = calloc(1, sizeof *m);
    if (!m)
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory"));
    m->ctx = ctx;
    m->net = vkc_network_retain(net);
    m->graph = vkc_network_graph(net);
    vkcnn_model_options defaults = {0};
    const vkcnn_model_options *o = options ? options : &defaults;
    m->check = o->check == VKCNN_ON || (o->check == VKCNN_DEFAULT && env_is("VKCNN_CHECK", "1"));
    m->check_rtol = o->check_rtol > 0 ? o->check_rtol : 1e-3f;
    m->check_atol = o->check_atol > 0 ? o->check_atol : 1e-5f;
    bool fusion =
        o->fusion == VKCNN_ON || (o->fusion == VKCNN_DEFAULT && !env_is("VKCNN_FUSION", "0"));
    bool winograd =
        o->winograd == VKCNN_ON || (o->winograd == VKCNN_DEFAULT && !env_is("VKCNN_WINOGRAD", "0"));
    /* the per-node check reads every intermediate after the run: no sharing then */
    vkc_exec_options eo = {.timestamps = o->profile == VKCNN_ON,
                           .fusion = fusion,
                           .winograd = winograd,
                           .plan_memory = !m->check,
                           .half_weights = o->precision == VKCNN_PRECISION_FP16,
                           .half_activations = o->precision == VKCNN_PRECISION_FP16,
                           .progress = o->progress,
                           .progress_user = o->progress_user};
    if (o->precision != VKCNN_PRECISION_FP32 && o->precision != VKCNN_PRECISION_FP16 &&
        o->precision != VKCNN_PRECISION_AUTO) {
        st = vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "precision %d is not fp32, fp16 or auto",
                      (int)o->precision);
    } else if (o->in_flight > VKCNN_MAX_IN_FLIGHT) {
        st = vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "in_flight %u is over the maximum of %d",
                      o->in_flight, VKCNN_MAX_IN_FLIGHT);
    } else {
        /* VKCNN_DEBUG: 1 the plan, 2 also the GLSL, 3 also every dispatch of
         * every run (timed) */
        const char *debug = getenv("VKCNN_DEBUG");
        m->debug = debug && debug[0] >= '1' && debug[0] <= '3' && !debug[1] ? debug[0] - '0' : 0;
        if (m->debug >= 3) eo.timestamps = true;
        m->profile = eo.timestamps;
        m->fusion = fusion;
        if (o->extra_output_count || o->extra_outputs) { /* intermediates made outputs */
            st = vkc_extra_outputs_apply(m->graph, o->extra_outputs, o->extra_output_count,
                                         &m->own_graph);
            if (!st) m->graph = m->own_graph;
        }
        /* kernel variants stored by vkcnn_tune, where present */
        vkc_tune_table tuned = {0};
        if (!st) st = vkc_tune_load_for_model(ctx, o->tuned, o->tune_dir, &tuned);
        eo.tuned = &tuned;
        m->precision =
            o->precision == VKCNN_PRECISION_FP16 ? VKCNN_PRECISION_FP16 : VKCNN_PRECISION_FP32;
        vkc_precision_choice choice = {0};
        if (!st && o->precision == VKCNN_PRECISION_AUTO) {
            st = vkc_exec_precision_auto(ctx, m->graph, &eo, 0, &choice);
            if (!st) {
                eo.half_weights = eo.half_activations = choice.fp16;
                eo.fp32_nodes = choice.fp32_nodes;
                eo.fp32_node_count = choice.node_count;
                m->precision = choice.fp16 ? VKCNN_PRECISION_FP16 : VKCNN_PRECISION_FP32;
                m->fp32_layers = choice.fp32_count;
                m->fp16_error = choice.error;
                snprintf(m->precision_note, sizeof m->precision_note, "%s", choice.note);
            }
        }
        if (!st) st = vkc_exec_create(ctx, m->graph, &eo, &m->exec);
        /* the check numbered the nodes of an executor built the same way */
        if (!st && choice.fp16 && vkc_exec_node_count(m->exec) != choice.node_count)
            st = vkc_fail(VKCNN_ERROR_INVALID_MODEL, "precision auto: %u nodes, the check had %u",
                          vkc_exec_node_count(m->exec), choice.node_count);
        vkc_precision_choice_free(&choice);
        vkc_tune_table_free(&tuned);
        if (!st && m->debug) vkcnn_model_describe(m, m->debug, stderr);
        /* the per-node check reads the intermediates of the one run before it */
        uint32_t slots = m->check ? 1 : o->in_flight ? o->in_flight : 2;
        if (!st) {
            uint32_t d = vkc_exec_dispatch_count(m->exec), per = o->max_dispatches_per_submit;
            m->parts = per && d > per ? (d + per - 1) / per : 1;
            st = vkc_slots_create(m, slots);
        }
    }
    if (st) {
        vkc_ctx_error(ctx, st);
        vkcnn_model_destroy(m);
        return st;
    }
    *out = m;
    return VKCNN_OK;
}

vkcnn_status vkcnn_model_load_onnx(vkcnn_context *ctx, const char *path,
                                   const vkcnn_network_options *load_options,
                                   const vkcnn_model_options *options, vkcnn_model **out) {
    if (out) *out = NULL;
    vkcnn_network *net = NULL;
    vkcnn_status st = vkcnn_network_load_file(path, load_options, &net);
    if (st) return ctx ? vkc_ctx_error(ctx, st) : st;
    st = vkcnn_model_create(ctx, net, options, out);
    vkcnn_network_destroy(net); /* the model keeps its own reference */
    return st;
}

void vkcnn_model_destroy(vkcnn_model *m) {
    if (!m) return;
    vkc_slots_destroy(m);
    vkc_image_refs_destroy(m); /* image_ref.c */
    if (m->have_preprocess) vkc_kernel_destroy(m->ctx, &m->preprocess);
    vkc_exec_destroy(m->exec);
    vkc_graph_clone_destroy(m->own_graph, vkc_network_graph(m->net));
    vkcnn_network_destroy(m->net);
    free(m);
}

uint32_t vkcnn_model_input_count(const vkcnn_model *m) {
    return m ? m->graph->input_count : 0;
}

uint32_t vkcnn_model_output_count(const vkcnn_model *m) {
    return m ? m->graph->output_count : 0;
}

vkcnn_status vkcnn_model_input(const vkcnn_model *m, uint32_t index, vkcnn_tensor_info *info) {
    if (!m) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_input: model is NULL");
    return vkcnn_network_input(m->net, index, info);
}

vkcnn_status vkcnn_model_output(const vkcnn_model *m, uint32_t index, vkcnn_tensor_info *info) {
    if (!m) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_output: model is NULL");
    if (!m->own_graph || index < vkc_network_graph(m->net)->output_count)
        return vkcnn_network_output(m->net, index, info);
    if (!info || index >= m->graph->output_count) /* an extra output */
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_output: bad argument");
    const vkc_tensor *t = &m->graph->tensors[m->graph->outputs[index]];
    memset(info, 0, sizeof *info);
    info->name = t->name;
    info->dtype = "float32";
    info->rank = t->rank;
    memcpy(info->shape, t->dims, t->rank * sizeof t->dims[0]);
    return VKCNN_OK;
}

static vkcnn_status find(const vkc_graph *g, const uint32_t *list, uint32_t count, const char *what,
                         const char *name, uint32_t *index) {
    for (uint32_t i = 0; name && i < count; i++)
        if (strcmp(g->tensors[list[i]].name, name) == 0) {
            *index = i;
            return VKCNN_OK;
        }
    char names[512] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < count && used < sizeof names; i++) {
        int w = snprintf(names + used, sizeof names - used, "%s'%s'", i ? ", " : "",
                         g->tensors[list[i]].name);
        if (w < 0) break;
        used += (size_t)w;
    }
    return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "the model has no %s named '%s' (its %ss: %s)",
                    what, name ? name : "(null)", what, names);
}

vkcnn_status vkcnn_model_find_input(const vkcnn_model *m, const char *name, uint32_t *index) {
    vkc_error_clear();
    if (!m || !index)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_find_input: NULL argument");
    return find(m->graph, m->graph->inputs, m->graph->input_count, "input", name, index);
}

vkcnn_status vkcnn_model_find_output(const vkcnn_model *m, const char *name, uint32_t *index) {
    vkc_error_clear();
    if (!m || !index)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_find_output: NULL argument");
    return find(m->graph, m->graph->outputs, m->graph->output_count, "output", name, index);
}

/* Checks index and count against the graph tensor behind list[index]. */
static vkcnn_status check_io(vkcnn_model *m, const uint32_t *list, uint32_t n, uint32_t index,
                             const void *data, size_t count, const char *what, uint32_t *tensor) {
    if (index >= n)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s index %u out of range (the model has %u)",
                        what, index, n);
    const vkc_tensor *t = &m->graph->tensors[list[index]];
    if (!data && count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s '%s': data is NULL", what, t->name);
    if (count != t->elements)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s '%s' has %llu elements, %zu were given",
                        what, t->name, (unsigned long long)t->elements, count);
    *tensor = list[index];
    return VKCNN_OK;
}

vkcnn_status vkcnn_model_set_input(vkcnn_model *m, uint32_t index, const float *data,
                                   size_t count) {
    vkc_error_clear();
    if (!m) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_set_input: model is NULL");
    uint32_t t = 0;
    vkcnn_status st =
        check_io(m, m->graph->inputs, m->graph->input_count, index, data, count, "input", &t);
    vkc_slot *slot = NULL;
    if (!st) st = vkc_slot_for_input(m, index, true, &slot);
    if (!st) st = vkc_buffer_write(m->ctx, &slot->inputs[index], 0, data, count * sizeof *data);
    return model_error(m, st);
}

vkcnn_status vkcnn_model_submit(vkcnn_model *m, vkcnn_ticket *ticket) {
    vkc_error_clear();
    if (!m || !ticket)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_submit: NULL argument");
    return model_error(m, vkc_slots_submit(m, NULL, NULL, NULL, ticket));
}

vkcnn_status vkcnn_model_wait(vkcnn_model *m, vkcnn_ticket ticket, uint64_t timeout_ns) {
    vkc_error_clear();
    if (!m) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_wait: model is NULL");
    return model_error(m, vkc_slots_wait(m, ticket, timeout_ns));
}

vkcnn_status vkcnn_model_get_result(vkcnn_model *m, vkcnn_ticket ticket, uint32_t index,
                                    float *data, size_t count) {
    vkc_error_clear();
    if (!m) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_get_result: model is NULL");
    uint32_t t = 0;
    vkcnn_status st =
        check_io(m, m->graph->outputs, m->graph->output_count, index, data, count, "output", &t);
    if (!st) st = vkc_slots_read(m, ticket, index, data, count);
    return model_error(m, st);
}

vkcnn_status vkcnn_model_run(vkcnn_model *m) {
    vkc_error_clear();
    if (!m) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_run: model is NULL");
    m->last_run = 0;
    vkcnn_ticket ticket = 0;
    vkcnn_status st = vkc_slots_submit(m, NULL, NULL, NULL, &ticket);
    if (!st) st = vkc_slots_wait(m, ticket, UINT64_MAX);
    if (!st && m->check) {
        char report[VKC_ERROR_MAX];
        st = vkc_exec_check(m->exec, m->check_rtol, m->check_atol, report, sizeof report);
    }
    if (!st) m->last_run = ticket;
    return model_error(m, st);
}

vkcnn_status vkcnn_model_get_output(vkcnn_model *m, uint32_t index, float *data, size_t count) {
    vkc_error_clear();
    if (!m) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_get_output: model is NULL");
    if (!m->last_run)
        return model_error(m, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                       "vkcnn_model_get_output before a successful run"));
    uint32_t t = 0;
    vkcnn_status st =
        check_io(m, m->graph->outputs, m->graph->output_count, index, data, count, "output", &t);
    if (!st) st = vkc_slots_read(m, m->last_run, index, data, count);
    return model_error(m, st);
}

const char *vkcnn_model_error(const vkcnn_model *m) {
    return m ? m->error : "";
}

vkcnn_status vkcnn_model_get_stats(const vkcnn_model *m, vkcnn_model_stats *stats) {
    vkc_error_clear();
    if (!m || !stats)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_get_stats: NULL argument");
    stats->dispatches = vkc_exec_dispatch_count(m->exec);
    stats->barriers = vkc_exec_barrier_count(m->exec);
    stats->gpu_ms = vkc_exec_total_ms(m->exec);
    vkc_exec_load_times(m->exec, &stats->compile_ms, &stats->pipelines_ms, &stats->upload_ms);
    stats->tuned_layers = vkc_exec_tuned_count(m->exec);
    stats->pipelines = vkc_exec_kernel_count(m->exec);
    stats->precision = m->precision;
    stats->fp32_layers = m->fp32_layers;
    stats->fp16_error = m->fp16_error;
    stats->precision_note = m->precision_note;
    return VKCNN_OK;
}

vkcnn_status vkcnn_model_dispatch(const vkcnn_model *m, uint32_t index, vkcnn_dispatch_info *info) {
    vkc_error_clear();
    if (!m || !info)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_dispatch: NULL argument");
    vkc_exec_dispatch d;
    VKC_TRY(vkc_exec_dispatch_info(m->exec, index, &d));
    *info = (vkcnn_dispatch_info){.kernel = d.kernel,
                                  .nodes = d.group,
                                  .groups = {d.groups[0], d.groups[1], d.groups[2]},
                                  .gpu_ms = d.gpu_ms,
                                  .flops = d.flops,
                                  .bytes_read = d.bytes_read,
                                  .bytes_written = d.bytes_written,
                                  .variant = d.variant};
    return VKCNN_OK;
}

vkcnn_status vkcnn_model_describe(const vkcnn_model *m, uint32_t detail, FILE *out) {
    vkc_error_clear();
    if (!m || !out)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_describe: NULL argument");
    vkc_exec_describe(m->exec, detail, out);
    if (m->own_graph)
        vkc_extra_outputs_describe(vkc_network_graph(m->net), m->graph, m->exec, m->fusion, out);
    return ferror(out) ? vkc_fail(VKCNN_ERROR_IO, "vkcnn_model_describe: write failed") : VKCNN_OK;
}

vkcnn_status vkcnn_model_submit_vk(vkcnn_model *m, const vkcnn_submit_sync *sync,
                                   const vkcnn_buffer_ref *inputs, const vkcnn_buffer_ref *outputs,
                                   vkcnn_ticket *ticket) {
    vkc_error_clear();
    if (!m || !ticket)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_submit_vk: NULL argument");
    if (sync && ((sync->wait_count && !sync->wait_semaphores) ||
                 (sync->signal_count && !sync->signal_semaphores)))
        return model_error(m, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                       "vkcnn_model_submit_vk: semaphore count without array"));
    return model_error(m, vkc_slots_submit(m, sync, inputs, outputs, ticket));
}

vkcnn_status vkcnn_model_record(vkcnn_model *m, VkCommandBuffer cmd, const vkcnn_buffer_ref *inputs,
                                const vkcnn_buffer_ref *outputs) {
    vkc_error_clear();
    if (!m || !cmd)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_record: NULL argument");
    vkcnn_status st = vkc_ctx_usable(m->ctx);
    if (st) return model_error(m, st);
    /* inputs not given come from the next slot's host-side values */
    vkc_record_inference(m, cmd, vkc_slot_peek(m), NULL, inputs, outputs, VK_NULL_HANDLE);
    return VKCNN_OK;
}
