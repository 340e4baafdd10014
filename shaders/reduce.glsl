// Reductions across the invocations of a workgroup, for kernels where
// LANES consecutive invocations share one value to compute (reduce.comp,
// norm.comp). LANES is a power of two dividing LOCAL_SIZE (the lowering
// checks it); LANES == LOCAL_SIZE is one workgroup per value.
// vkc_lanes_reduce(v, how) combines the v of the LANES invocations of each
// group and returns the result to all of them. It holds barriers: every
// invocation of the workgroup calls it the same number of times, in
// uniform control flow (an invocation with nothing to add passes the
// identity). The order of the combination is fixed (a tree over shared
// memory, or subgroupAdd then the subgroups in order), so a result is
// bit-identical run to run.
// RED_SG (set by the lowering): the device's fixed subgroup size, dividing
// LOCAL_SIZE, with subgroup arithmetic and vote, and LANES == LOCAL_SIZE:
// each subgroup combines its lanes with subgroup operations, then one
// barrier and the subgroups' results in order, instead of the log2(LANES)
// steps of the tree.
// RED_ROWS 1 (set by the lowering): LANES is the device's fixed subgroup
// size: each subgroup is one group of lanes, named by its subgroup
// (vkc_group, vkc_lane: whatever order the driver gives invocations to
// subgroups), and lanes combine through subgroup operations alone: no
// shared memory, no barrier. A CPU driver runs a subgroup as one SIMD
// vector; a GPU as one warp.
// Needs common.glsl (LOCAL_SIZE, flat_index) first.
#ifndef VKC_REDUCE_GLSL
#define VKC_REDUCE_GLSL

#ifndef LANES
#define LANES 1
#endif
#ifndef RED_SG
#define RED_SG 0
#endif
#ifndef RED_ROWS
#define RED_ROWS 0
#endif
#if RED_SG || RED_ROWS
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_vote : require
#endif

#define VKC_RED_SUM 0
#define VKC_RED_MAX 1 // NaN propagates, as numpy's maximum
#define VKC_RED_MIN 2
#define VKC_RED_PROD 3

float vkc_red_combine(float a, float b, int how) {
    if (how == VKC_RED_SUM)
        return a + b;
    if (how == VKC_RED_PROD)
        return a * b;
    if (isnan(a) || isnan(b))
        return uintBitsToFloat(0x7fc00000u);
    return how == VKC_RED_MAX ? max(a, b) : min(a, b);
}

// The invocation's lane in its group, and the group's index over the grid.
uint vkc_lane() {
#if RED_ROWS
    return gl_SubgroupInvocationID;
#else
    return gl_LocalInvocationID.x % uint(LANES);
#endif
}
uint vkc_group() {
#if RED_ROWS
    uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    return wg * (uint(LOCAL_SIZE) / uint(LANES)) + gl_SubgroupID;
#else
    return flat_index() / uint(LANES);
#endif
}

#if RED_SG || RED_ROWS
// v combined over the invocation's subgroup (NaN propagating for Max/Min)
float vkc_subgroup_reduce(float v, int how) {
    if (how == VKC_RED_SUM)
        return subgroupAdd(v);
    if (how == VKC_RED_PROD)
        return subgroupMul(v);
    bool nan = subgroupAny(isnan(v));
    float r = how == VKC_RED_MAX ? subgroupMax(v) : subgroupMin(v);
    return nan ? uintBitsToFloat(0x7fc00000u) : r;
}
#endif

#if LANES > 1 && !RED_ROWS
shared float vkc_red[LOCAL_SIZE];
#endif

float vkc_lanes_reduce(float v, int how) {
#if LANES == 1
    return v;
#elif RED_ROWS
    return vkc_subgroup_reduce(v, how);
#else
    uint lid = gl_LocalInvocationID.x;
#if RED_SG
    float s = vkc_subgroup_reduce(v, how);
    if (subgroupElect())
        vkc_red[gl_SubgroupID] = s;
    memoryBarrierShared();
    barrier();
    float t = vkc_red[0];
    for (uint k = 1u; k < gl_NumSubgroups; k++)
        t = vkc_red_combine(t, vkc_red[k], how);
    barrier(); // every read done before the next call writes
    return t;
#else
    uint lane = lid % uint(LANES);
    vkc_red[lid] = v;
    memoryBarrierShared();
    barrier();
    for (uint s = uint(LANES) / 2u; s > 0u; s /= 2u) {
        if (lane < s)
            vkc_red[lid] = vkc_red_combine(vkc_red[lid], vkc_red[lid + s], how);
        memoryBarrierShared();
        barrier();
    }
    float r = vkc_red[lid - lane];
    barrier(); // every read done before the next call writes
    return r;
#endif
#endif
}

#endif
