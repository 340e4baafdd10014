// Row segments stored as pairs of floats (YR2): where a kernel's rows are
// no whole vec4s and a row's parity in Y is known at run time only (odd
// planes, odd rows), each row segment of RP_N floats (RP_N even) goes out
// as 64-bit words at even elements of Y, from its first element or, where
// that is odd, after it, plus a single float before and after where the
// parity leaves one: RP_N / 2 + 2 stores instead of RP_N. On lavapipe 22.3
// every store is a loop over the 16 lanes, active or not, so the count of
// stores in the code is what they cost. The values of a pair and the last
// element where a pair would overrun the row are chosen by selects between
// literal indices, never by indexing v with a run-time value (LLVM then
// keeps v in memory). Include after Y's two views, y (floats) and y2
// (uint64_t, common.glsl y2_pack), with RP_N defined.

// v[0 .. RP_N): the segment, whose first element is Y's element e and of
// which the first lim (>= 1) lie inside the row
void store_row_pairs(float v[RP_N], uint e, int lim) {
    int s = int(e & 1u); // pairs start at v[s]
    lim = min(lim, RP_N);
    [[unroll]] for (int k = 0; k < RP_N / 2; k++) {
        int j = 2 * k + s;
        if (j + 1 < lim)
            y2[(e + uint(j)) >> 1] = y2_pack(s == 1 ? v[2 * k + 1] : v[2 * k],
                                             s == 1 ? v[min(2 * k + 2, RP_N - 1)] : v[2 * k + 1]);
    }
    if (s == 1)
        y[e] = v[0];
    int last = lim - 1; // alone where it would start a pair
    float t = v[0];
    [[unroll]] for (int j = 1; j < RP_N; j++)
        t = j == last ? v[j] : t;
    if (last >= s && ((last - s) & 1) == 0)
        y[e + uint(last)] = t;
}
