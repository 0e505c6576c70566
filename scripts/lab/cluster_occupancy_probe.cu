// How many clusters of 2, 4 and 8 CTAs a GPU holds at once for a persistent kernel shaped like
// gemmtune's (384 threads, ~200 KB of dynamic shared memory, one CTA per SM): the question
// behind split-K in a cluster of 4 (results/PERF_LOG.md, session 22, next experiments). A
// persistent grid of 132 CTAs runs in one wave only if 132 / cluster size clusters fit.
//   usage: nvcc -arch=sm_90a -o /tmp/probe scripts/lab/cluster_occupancy_probe.cu && /tmp/probe
#include <cstdio>
#include <cuda_runtime.h>

__global__ void probe_kernel(int* out) {
  extern __shared__ int smem[];
  if (threadIdx.x == 0) smem[0] = blockIdx.x;
  if (out != nullptr && threadIdx.x == 0) out[blockIdx.x] = smem[0];
}

int main() {
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  const int smem_bytes = 200 * 1024;
  cudaFuncSetAttribute(probe_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_bytes);
  cudaFuncSetAttribute(probe_kernel, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);
  for (const int cluster : {1, 2, 4, 8}) {
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(sms / cluster * cluster, 1, 1);
    config.blockDim = dim3(384, 1, 1);
    config.dynamicSmemBytes = smem_bytes;
    cudaLaunchAttribute attr;
    attr.id = cudaLaunchAttributeClusterDimension;
    attr.val.clusterDim.x = cluster;
    attr.val.clusterDim.y = 1;
    attr.val.clusterDim.z = 1;
    config.attrs = &attr;
    config.numAttrs = 1;
    int active = 0;
    const cudaError_t err = cudaOccupancyMaxActiveClusters(&active, probe_kernel, &config);
    std::printf("{\"sms\": %d, \"cluster\": %d, \"max_active_clusters\": %d, \"ctas\": %d, \"error\": \"%s\"}\n",
                sms, cluster, active, active * cluster, cudaGetErrorString(err));
  }
  return 0;
}
