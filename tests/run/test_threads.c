/* The thread-safety contract of include/vkcnn.h, exercised:
 *   - several models on one context, each driven by its own thread
 *     (LeNet-5, synchronous and asynchronous runs), while another thread
 *     loads and destroys models on the same context (shared memory pools,
 *     shader and pipeline caches, queue);
 *   - one model driven from two threads, serialised by the caller's lock,
 *     as the header asks.
 * Every output is compared bit for bit with a single-threaded reference.
 * Built under ThreadSanitizer by `scripts/quickstart.sh tsan`. */
#include <pthread.h>
#include <string.h>

#include "harness.h"

#define IN 1024 /* 1 x 1 x 32 x 32 */
#define OUT 10
#define INPUTS 8
#define RUNS 12
#define WORKERS 3

static const char *model_path;
static vkcnn_context *ctx;
static float inputs[INPUTS][IN], expected[INPUTS][OUT];
static _Atomic int failures;

#define T_CHECK(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, #cond,           \
                    vkcnn_last_error());                                                           \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* A thread with its own model: synchronous runs, then async ones. */
static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    vkcnn_model *m = NULL;
    T_CHECK(vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &m) == VKCNN_OK);
    if (!m) return NULL;
    float y[OUT];
    for (int r = 0; r < RUNS; r++) {
        int k = (id + r) % INPUTS;
        T_CHECK(vkcnn_model_set_input(m, 0, inputs[k], IN) == VKCNN_OK);
        T_CHECK(vkcnn_model_run(m) == VKCNN_OK);
        T_CHECK(vkcnn_model_get_output(m, 0, y, OUT) == VKCNN_OK);
        T_CHECK(memcmp(y, expected[k], sizeof y) == 0);
    }
    vkcnn_ticket t[2];
    for (int r = 0; r < RUNS; r += 2) {
        for (int j = 0; j < 2; j++) {
            T_CHECK(vkcnn_model_set_input(m, 0, inputs[(id + r + j) % INPUTS], IN) == VKCNN_OK);
            T_CHECK(vkcnn_model_submit(m, &t[j]) == VKCNN_OK);
        }
        for (int j = 0; j < 2; j++) {
            T_CHECK(vkcnn_model_get_result(m, t[j], 0, y, OUT) == VKCNN_OK);
            T_CHECK(memcmp(y, expected[(id + r + j) % INPUTS], sizeof y) == 0);
        }
    }
    vkcnn_model_destroy(m);
    return NULL;
}

/* Loads and destroys models while the workers run. */
static void *churn(void *arg) {
    (void)arg;
    for (int r = 0; r < 4; r++) {
        vkcnn_model *m = NULL;
        T_CHECK(vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &m) == VKCNN_OK);
        vkcnn_model_destroy(m);
    }
    return NULL;
}

/* One model shared by two threads under the caller's lock. */
static vkcnn_model *shared_model;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;

static void *sharer(void *arg) {
    int id = (int)(intptr_t)arg;
    float y[OUT];
    for (int r = 0; r < RUNS; r++) {
        int k = (2 * r + id) % INPUTS;
        pthread_mutex_lock(&shared_lock);
        vkcnn_ticket t = 0;
        T_CHECK(vkcnn_model_set_input(shared_model, 0, inputs[k], IN) == VKCNN_OK);
        T_CHECK(vkcnn_model_submit(shared_model, &t) == VKCNN_OK);
        T_CHECK(vkcnn_model_get_result(shared_model, t, 0, y, OUT) == VKCNN_OK);
        pthread_mutex_unlock(&shared_lock);
        T_CHECK(memcmp(y, expected[k], sizeof y) == 0);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_threads LENET5.onnx\n");
        return 2;
    }
    model_path = argv[1];
    uint64_t seed = 3;
    for (int k = 0; k < INPUTS; k++)
        for (int i = 0; i < IN; i++)
            inputs[k][i] = th_randf(&seed);
    ctx = th_context(NULL, 0, 0);
    vkcnn_model *m = NULL;
    CHECK_OK(vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &m));
    for (int k = 0; m && k < INPUTS; k++) {
        CHECK_OK(vkcnn_model_set_input(m, 0, inputs[k], IN));
        CHECK_OK(vkcnn_model_run(m));
        CHECK_OK(vkcnn_model_get_output(m, 0, expected[k], OUT));
    }
    vkcnn_model_destroy(m);

    pthread_t th[WORKERS + 1];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    pthread_create(&th[WORKERS], NULL, churn, NULL);
    for (int i = 0; i <= WORKERS; i++)
        pthread_join(th[i], NULL);

    CHECK_OK(vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &shared_model));
    if (shared_model) {
        pthread_t two[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&two[i], NULL, sharer, (void *)(intptr_t)i);
        for (int i = 0; i < 2; i++)
            pthread_join(two[i], NULL);
        vkcnn_model_destroy(shared_model);
    }
    th_destroy(ctx);
    th_failures += failures;
    return th_done("test_threads");
}
