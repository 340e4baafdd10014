/* vkcnn_index_*: exact k-NN on the device against a float64 search on the
 * host, on random data: the metrics, many chunks, segmented selection, rows
 * added in pieces, duplicate rows (ties), k past the rows, a memory budget
 * that streams the gallery from host memory (and one too small to search),
 * and bad input. Under the validation layer. (tests/knn/test_knn_cli.py
 * runs the large shapes through `vkcnn knn` against numpy.) */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct ref_entry {
    double d;
    int64_t i;
} ref_entry;

static int cmp_entry(const void *a, const void *b) {
    const ref_entry *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static double norm2(const float *x, uint32_t d) {
    double s = 0;
    for (uint32_t j = 0; j < d; j++)
        s += (double)x[j] * x[j];
    return s;
}

/* The distance as the index defines it, in double; and the tolerance the
 * issue states: 1e-5 (|q|^2 + |g|^2) + 1e-6 (on unit vectors for cosine). */
static double ref_distance(vkcnn_metric m, const float *q, const float *g, uint32_t d) {
    double dot = 0, qq = norm2(q, d), gg = norm2(g, d);
    for (uint32_t j = 0; j < d; j++)
        dot += (double)q[j] * g[j];
    switch (m) {
    case VKCNN_METRIC_L2: return qq + gg - 2 * dot > 0 ? qq + gg - 2 * dot : 0;
    case VKCNN_METRIC_IP: return dot;
    default: return qq > 0 && gg > 0 ? 1 - dot / sqrt(qq * gg) : 1;
    }
}

static double tolerance(vkcnn_metric m, const float *q, const float *g, uint32_t d) {
    if (m == VKCNN_METRIC_COSINE) return 2e-5 + 1e-6;
    return 1e-5 * (norm2(q, d) + norm2(g, d)) + 1e-6;
}

/* Checks the index's answer for nq queries against an exact search: each
 * distance within the tolerance of the reference's at that rank; the index
 * at a rank equal to the reference's where that rank is no near-tie (gap to
 * the neighbours over the tolerance); a group of exactly equal distances
 * (duplicate rows) in ascending index order; every returned index's own
 * distance consistent; -1 past the rows. Returns the failures. */
static int compare(vkcnn_metric m, const float *g, uint64_t n, const float *q, uint64_t nq,
                   uint32_t d, uint32_t k, const float *dist, const int64_t *idx) {
    int bad = 0;
    ref_entry *r = malloc(n * sizeof *r);
    double sign = m == VKCNN_METRIC_IP ? -1 : 1; /* IP: largest first */
    for (uint64_t a = 0; a < nq && bad < 10; a++) {
        const float *qa = q + a * d;
        for (uint64_t i = 0; i < n; i++)
            r[i] = (ref_entry){sign * ref_distance(m, qa, g + i * d, d), (int64_t)i};
        qsort(r, n, sizeof *r, cmp_entry);
        for (uint32_t j = 0; j < k; j++) {
            const float got = dist[a * k + j];
            const int64_t gi = idx[a * k + j];
            if (j >= n) {
                if (gi != -1 || !isinf(got)) {
                    fprintf(stderr, "query %llu rank %u: past the rows, got %lld %g\n",
                            (unsigned long long)a, j, (long long)gi, got);
                    bad++;
                }
                continue;
            }
            double want = sign * r[j].d;
            double tol = tolerance(m, qa, g + r[j].i * d, d);
            if (!(fabs(got - want) <= tol) || gi < 0 || (uint64_t)gi >= n) {
                fprintf(stderr,
                        "query %llu rank %u: distance %.9g, reference %.9g (tol %.3g), "
                        "index %lld\n",
                        (unsigned long long)a, j, got, want, tol, (long long)gi);
                bad++;
                continue;
            }
            double own = ref_distance(m, qa, g + gi * d, d);
            if (!(fabs(own - got) <= tolerance(m, qa, g + gi * d, d))) {
                fprintf(stderr, "query %llu rank %u: row %lld has distance %.9g, reported %.9g\n",
                        (unsigned long long)a, j, (long long)gi, own, got);
                bad++;
            }
            /* the reference's tie cluster around rank j */
            uint64_t lo = j, hi = j;
            bool exact = true;
            while (lo > 0 &&
                   fabs(r[lo].d - r[lo - 1].d) <= tolerance(m, qa, g + r[lo - 1].i * d, d)) {
                exact &= r[lo].d == r[lo - 1].d;
                lo--;
            }
            while (hi + 1 < n &&
                   fabs(r[hi + 1].d - r[hi].d) <= tolerance(m, qa, g + r[hi + 1].i * d, d)) {
                exact &= r[hi + 1].d == r[hi].d;
                hi++;
            }
            bool member = false;
            for (uint64_t t = lo; t <= hi; t++)
                member |= r[t].i == gi;
            if ((lo == hi || exact) && gi != r[j].i) {
                fprintf(stderr, "query %llu rank %u: index %lld, reference %lld%s\n",
                        (unsigned long long)a, j, (long long)gi, (long long)r[j].i,
                        exact && lo != hi ? " (exact tie: the lower index comes first)" : "");
                bad++;
            } else if (!member) {
                fprintf(stderr, "query %llu rank %u: index %lld not among the near-ties\n",
                        (unsigned long long)a, j, (long long)gi);
                bad++;
            }
        }
    }
    free(r);
    return bad;
}

static float *random_rows(uint64_t n, uint32_t d, uint64_t *seed) {
    float *x = malloc(n * d * sizeof *x);
    for (uint64_t i = 0; i < n * d; i++)
        x[i] = th_randf(seed);
    return x;
}

/* Builds an index of g (added in pieces of `piece` rows; 0: at once),
 * searches q, compares. */
static void run_case(vkcnn_context *ctx, const char *name, vkcnn_metric m, uint64_t n, uint32_t d,
                     uint64_t nq, uint32_t k, uint32_t chunk_rows, uint64_t piece,
                     uint32_t want_segments_over_1) {
    uint64_t seed = 0x1234567ull + n * 31 + d * 7 + k;
    float *g = random_rows(n, d, &seed), *q = random_rows(nq, d, &seed);
    vkcnn_index_options o = {.metric = m, .chunk_rows = chunk_rows};
    vkcnn_index *ix = NULL;
    CHECK_OK(vkcnn_index_create(ctx, d, &o, &ix));
    if (!ix) return;
    for (uint64_t at = 0; at < n;) {
        uint64_t c = piece && n - at > piece ? piece : n - at;
        CHECK_OK(vkcnn_index_add(ix, g + at * d, c));
        at += c;
    }
    CHECK(vkcnn_index_count(ix) == n);
    float *dist = malloc(nq * k * sizeof *dist);
    int64_t *idx = malloc(nq * k * sizeof *idx);
    CHECK_OK(vkcnn_index_search(ix, q, nq, k, dist, idx));
    int bad = compare(m, g, n, q, nq, d, k, dist, idx);
    vkcnn_index_stats s;
    CHECK_OK(vkcnn_index_get_stats(ix, &s));
    printf("%-28s %-6s n %6llu d %4u q %3llu k %4u: %u chunks of %u, block %u, %u segments: %s\n",
           name, vkcnn_metric_string(m), (unsigned long long)n, d, (unsigned long long)nq, k,
           s.chunks, s.chunk_rows, s.query_block, s.segments, bad ? "FAIL" : "ok");
    if (bad) th_failures++;
    if (want_segments_over_1) CHECK(s.segments > 1);
    /* deterministic: a second search gives the same bits */
    float *dist2 = malloc(nq * k * sizeof *dist2);
    int64_t *idx2 = malloc(nq * k * sizeof *idx2);
    CHECK_OK(vkcnn_index_search(ix, q, nq, k, dist2, idx2));
    CHECK(memcmp(dist, dist2, nq * k * sizeof *dist) == 0);
    CHECK(memcmp(idx, idx2, nq * k * sizeof *idx) == 0);
    free(dist2);
    free(idx2);
    free(dist);
    free(idx);
    vkcnn_index_destroy(ix);
    free(g);
    free(q);
}

/* Distinct rows, each present several times, shuffled: equal distances
 * come out in ascending index order, as in the reference. */
static void duplicates(vkcnn_context *ctx) {
    const uint32_t d = 16, groups = 40, copies = 25, k = 60;
    const uint64_t n = (uint64_t)groups * copies, nq = 7;
    uint64_t seed = 99;
    float *base = random_rows(groups, d, &seed), *q = random_rows(nq, d, &seed);
    uint32_t *order = malloc(n * sizeof *order);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i % groups;
    for (uint32_t i = (uint32_t)n - 1; i > 0; i--) {
        uint32_t j = th_rand(&seed) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    float *g = malloc(n * d * sizeof *g);
    for (uint64_t i = 0; i < n; i++)
        memcpy(g + i * d, base + order[i] * d, d * sizeof *g);
    for (int chunked = 0; chunked < 2; chunked++) {
        vkcnn_index_options o = {.chunk_rows = chunked ? 64 : 0};
        vkcnn_index *ix = NULL;
        CHECK_OK(vkcnn_index_create(ctx, d, &o, &ix));
        if (!ix) break;
        CHECK_OK(vkcnn_index_add(ix, g, n));
        float dist[7 * 60];
        int64_t idx[7 * 60];
        CHECK_OK(vkcnn_index_search(ix, q, nq, k, dist, idx));
        int bad = compare(VKCNN_METRIC_L2, g, n, q, nq, d, k, dist, idx);
        /* within a run of equal distances the indices ascend */
        for (uint64_t a = 0; a < nq; a++)
            for (uint32_t j = 1; j < k; j++)
                if (dist[a * k + j] == dist[a * k + j - 1] && idx[a * k + j] < idx[a * k + j - 1])
                    bad++;
        printf("duplicates (%u rows x %u copies)%s: %s\n", groups, copies,
               chunked ? ", chunks of 64" : "", bad ? "FAIL" : "ok");
        if (bad) th_failures++;
        vkcnn_index_destroy(ix);
    }
    free(base);
    free(q);
    free(order);
    free(g);
}

/* k past the rows: -1 and +inf (-inf for IP) there. */
static void k_past_rows(vkcnn_context *ctx) {
    float g[3 * 8], q[8];
    uint64_t seed = 5;
    for (int i = 0; i < 24; i++)
        g[i] = th_randf(&seed);
    for (int i = 0; i < 8; i++)
        q[i] = th_randf(&seed);
    for (int m = 0; m < 3; m++) {
        vkcnn_index_options o = {.metric = (vkcnn_metric)m};
        vkcnn_index *ix = NULL;
        CHECK_OK(vkcnn_index_create(ctx, 8, &o, &ix));
        CHECK_OK(vkcnn_index_add(ix, g, 1)); /* 1 x 8 */
        float dist[10];
        int64_t idx[10];
        CHECK_OK(vkcnn_index_search(ix, q, 1, 10, dist, idx));
        CHECK(idx[0] == 0);
        CHECK(compare((vkcnn_metric)m, g, 1, q, 1, 8, 10, dist, idx) == 0);
        for (int j = 1; j < 10; j++)
            CHECK(idx[j] == -1 && isinf(dist[j]) && (m == VKCNN_METRIC_IP) == (dist[j] < 0));
        CHECK_OK(vkcnn_index_add(ix, g + 8, 2));
        CHECK_OK(vkcnn_index_search(ix, q, 1, 10, dist, idx));
        CHECK(compare((vkcnn_metric)m, g, 3, q, 1, 8, 10, dist, idx) == 0);
        CHECK(idx[3] == -1);
        vkcnn_index_destroy(ix);
    }
}

/* Cosine with zero vectors: distance 1 to everything. */
static void cosine_zero(vkcnn_context *ctx) {
    float g[4 * 4] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, -3, 0, 0, 0};
    float q[2 * 4] = {2, 0.5f, 0, 0, 0, 0, 0, 0};
    vkcnn_index_options o = {.metric = VKCNN_METRIC_COSINE};
    vkcnn_index *ix = NULL;
    CHECK_OK(vkcnn_index_create(ctx, 4, &o, &ix));
    CHECK_OK(vkcnn_index_add(ix, g, 4));
    float dist[8];
    int64_t idx[8];
    CHECK_OK(vkcnn_index_search(ix, q, 2, 4, dist, idx));
    CHECK(compare(VKCNN_METRIC_COSINE, g, 4, q, 2, 4, 4, dist, idx) == 0);
    CHECK(idx[0] == 0 && idx[3] == 3); /* nearest (1,0,0,0), farthest (-3,0,0,0) */
    for (int j = 0; j < 4; j++)        /* the zero query: all at distance 1, by index */
        CHECK(idx[4 + j] == j && fabsf(dist[4 + j] - 1.0f) < 1e-6f);
    vkcnn_index_destroy(ix);
}

/* A budget too small for the gallery: chunks in host memory, streamed; the
 * same bits as without a budget. A budget too small to search at all:
 * VKCNN_ERROR_OUT_OF_DEVICE_MEMORY, and nothing else breaks. */
static void budget(void) {
    const uint32_t d = 64;
    const uint64_t n = 20000, nq = 9;
    uint64_t seed = 77;
    float *g = random_rows(n, d, &seed), *q = random_rows(nq, d, &seed);
    const uint32_t k = 10;
    float *d0 = malloc(nq * k * sizeof *d0), *d1 = malloc(nq * k * sizeof *d1);
    int64_t *i0 = malloc(nq * k * sizeof *i0), *i1 = malloc(nq * k * sizeof *i1);
    vkcnn_index_options o = {.chunk_rows = 2048};
    for (int pass = 0; pass < 2; pass++) {
        vkcnn_context_desc desc = th_desc(NULL, 0, 0);
        /* gallery 5.2 MB; 4 MiB of budget holds a search's working set and
         * only some chunks */
        desc.device_memory_budget = pass ? 4u << 20 : 0;
        vkcnn_context *ctx = NULL;
        CHECK_OK(vkcnn_context_create(&desc, &ctx));
        if (!ctx) break;
        vkcnn_index *ix = NULL;
        CHECK_OK(vkcnn_index_create(ctx, d, &o, &ix));
        CHECK_OK(vkcnn_index_add(ix, g, n));
        CHECK_OK(vkcnn_index_search(ix, q, nq, k, pass ? d1 : d0, pass ? i1 : i0));
        vkcnn_index_stats s;
        CHECK_OK(vkcnn_index_get_stats(ix, &s));
        printf("budget %s: %u chunks, %u in host memory, %llu device bytes, %u submissions\n",
               pass ? "4 MiB" : "none", s.chunks, s.host_chunks, (unsigned long long)s.device_bytes,
               s.submissions);
        if (pass) {
            CHECK(s.host_chunks > 0 && s.host_chunks < s.chunks);
            CHECK(s.device_bytes <= (4u << 20));
            CHECK(memcmp(d0, d1, nq * k * sizeof *d0) == 0);
            CHECK(memcmp(i0, i1, nq * k * sizeof *i0) == 0);
        } else {
            CHECK(s.host_chunks == 0);
            CHECK(compare(VKCNN_METRIC_L2, g, n, q, nq, d, k, d0, i0) == 0);
        }
        vkcnn_index_destroy(ix);
        th_destroy(ctx);
    }
    /* 256 KiB: the rows all go to host memory; the search cannot get its
     * working memory: a clear error, then the context still works */
    vkcnn_context_desc desc = th_desc(NULL, 0, 0);
    desc.device_memory_budget = 256u << 10;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&desc, &ctx));
    if (ctx) {
        vkcnn_index *ix = NULL;
        CHECK_OK(vkcnn_index_create(ctx, d, &o, &ix));
        CHECK_OK(vkcnn_index_add(ix, g, n));
        CHECK_STATUS(vkcnn_index_search(ix, q, nq, k, d1, i1), VKCNN_ERROR_OUT_OF_DEVICE_MEMORY);
        printf("budget 256 KiB: %s\n", vkcnn_index_error(ix));
        CHECK(strstr(vkcnn_index_error(ix), "budget") != NULL);
        vkcnn_index_destroy(ix);
        /* a small index still fits */
        vkcnn_index_options small = {.chunk_rows = 64};
        CHECK_OK(vkcnn_index_create(ctx, 4, &small, &ix));
        CHECK_OK(vkcnn_index_add(ix, g, 16));
        CHECK_OK(vkcnn_index_search(ix, q, 1, 3, d1, i1));
        vkcnn_index_destroy(ix);
        th_destroy(ctx);
    }
    free(g);
    free(q);
    free(d0);
    free(d1);
    free(i0);
    free(i1);
}

static void bad_input(vkcnn_context *ctx) {
    vkcnn_index *ix = NULL;
    CHECK_STATUS(vkcnn_index_create(ctx, 0, NULL, &ix), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(ix == NULL);
    vkcnn_index_options o = {.metric = (vkcnn_metric)7};
    CHECK_STATUS(vkcnn_index_create(ctx, 4, &o, &ix), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_index_create(NULL, 4, NULL, &ix), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_index_create(ctx, 4, NULL, NULL), VKCNN_ERROR_INVALID_ARGUMENT);
    vkcnn_index_destroy(NULL);
    CHECK(vkcnn_index_count(NULL) == 0 && vkcnn_index_dim(NULL) == 0);
    CHECK(strcmp(vkcnn_index_error(NULL), "") == 0);
    CHECK_OK(vkcnn_index_create(ctx, 4, NULL, &ix));
    float q[4] = {1, 2, 3, 4}, dist[4];
    int64_t idx[4];
    CHECK_STATUS(vkcnn_index_search(ix, q, 1, 1, dist, idx), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_index_error(ix), "empty") != NULL);
    float rows[3 * 4] = {1, 2, 3, 4, 5, 6, NAN, 8, 9, 10, 11, 12};
    CHECK_STATUS(vkcnn_index_add(ix, rows, 3), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_index_error(ix), "row 1, column 2 is NaN") != NULL);
    CHECK(vkcnn_index_count(ix) == 0); /* all or nothing */
    rows[6] = INFINITY;
    CHECK_STATUS(vkcnn_index_add(ix, rows, 3), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_index_error(ix), "infinite") != NULL);
    rows[6] = 3e18f; /* finite, but its square overflows the distances */
    CHECK_STATUS(vkcnn_index_add(ix, rows, 3), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_index_error(ix), "squared norm") != NULL);
    rows[6] = 7;
    CHECK_STATUS(vkcnn_index_add(ix, NULL, 3), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_OK(vkcnn_index_add(ix, rows, 0));
    CHECK_OK(vkcnn_index_add(ix, rows, 3));
    CHECK_STATUS(vkcnn_index_search(ix, q, 1, 0, dist, idx), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_index_search(ix, q, 1, VKCNN_INDEX_MAX_K + 1, NULL, NULL),
                 VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_index_search(ix, NULL, 1, 1, dist, idx), VKCNN_ERROR_INVALID_ARGUMENT);
    q[3] = NAN;
    CHECK_STATUS(vkcnn_index_search(ix, q, 1, 1, dist, idx), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_index_error(ix), "query 0, column 3 is NaN") != NULL);
    q[3] = 4;
    CHECK_OK(vkcnn_index_search(ix, q, 1, 1, NULL, idx)); /* either output may be NULL */
    CHECK(idx[0] == 0);
    CHECK_OK(vkcnn_index_search(ix, q, 0, 1, NULL, NULL));
    vkcnn_index_destroy(ix);
    CHECK(strcmp(vkcnn_metric_string(VKCNN_METRIC_COSINE), "cosine") == 0);
    CHECK(vkcnn_metric_string((vkcnn_metric)9) == NULL);
}

int main(void) {
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    run_case(ctx, "1 x 8", VKCNN_METRIC_L2, 1, 8, 3, 1, 0, 0, 0);
    run_case(ctx, "1000 x 2", VKCNN_METRIC_L2, 1000, 2, 37, 10, 0, 0, 0);
    run_case(ctx, "1000 x 2, k 1024", VKCNN_METRIC_L2, 1000, 2, 5, 1024, 0, 0, 0);
    run_case(ctx, "odd D, many chunks", VKCNN_METRIC_L2, 5000, 37, 21, 10, 256, 0, 0);
    run_case(ctx, "added in pieces", VKCNN_METRIC_L2, 5000, 24, 11, 100, 256, 777, 0);
    run_case(ctx, "one query, segmented", VKCNN_METRIC_L2, 40000, 8, 1, 10, 0, 0, 1);
    run_case(ctx, "one query, segmented, k 1024", VKCNN_METRIC_L2, 40000, 8, 2, 1024, 0, 0, 1);
    run_case(ctx, "inner product", VKCNN_METRIC_IP, 3000, 20, 13, 10, 1024, 0, 0);
    run_case(ctx, "cosine", VKCNN_METRIC_COSINE, 3000, 20, 13, 10, 0, 0, 0);
    duplicates(ctx);
    k_past_rows(ctx);
    cosine_zero(ctx);
    bad_input(ctx);
    th_destroy(ctx);
    budget();
    return th_done("test_index");
}
