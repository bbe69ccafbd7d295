package io.shardscore.job.report;

/**
 * Peak memory of one executor JVM during a run, from Spark's executor metrics. Native engine memory
 * (ONNX Runtime, PyTorch) lives outside the heap: the process-tree RSS shows it, the heap does not.
 *
 * @param executorId Spark's executor id ({@code driver} in local mode)
 * @param jvmHeapPeakBytes peak {@code JVMHeapMemory}
 * @param processTreeRssPeakBytes peak {@code ProcessTreeJVMRSSMemory}; 0 unless {@code
 *     spark.executor.processTreeMetrics.enabled} is true (and the OS provides /proc)
 */
public record ExecutorMemory(
    String executorId, long jvmHeapPeakBytes, long processTreeRssPeakBytes) {}
