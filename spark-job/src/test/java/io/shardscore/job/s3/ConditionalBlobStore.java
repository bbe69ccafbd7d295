package io.shardscore.job.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.gaul.s3proxy.PutOptions2;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpResponseException;

/**
 * Honours {@code If-None-Match: *} as AWS S3 does: a PUT or a multipart completion carrying it
 * fails with 412 Precondition Failed when the key exists, and the existence check and the write are
 * one atomic step per key. S3Proxy 2.9.0 alone does not do this: it checks existence in its request
 * handler and then writes (two writers can both pass the check), its "filesystem" and
 * "filesystem-nio2" stores ignore the condition, and it drops the header of a
 * CompleteMultipartUpload. Records, per key, what happened to each write that reached storage.
 */
final class ConditionalBlobStore extends ForwardingBlobStore {
  private final ConcurrentMap<String, Lock> locks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, List<S3Server.Write>> writes = new ConcurrentHashMap<>();
  private final Set<String> conditionalUploads = ConcurrentHashMap.newKeySet();

  ConditionalBlobStore(BlobStore delegate) {
    super(delegate);
  }

  /** The writes of {@code container/key} that reached storage, in order. */
  List<S3Server.Write> writes(String container, String key) {
    List<S3Server.Write> w = writes.get(id(container, key));
    if (w == null) {
      return List.of();
    }
    synchronized (w) {
      return List.copyOf(w);
    }
  }

  @Override
  public String putBlob(String container, Blob blob) {
    return unconditional(
        container, blob.getMetadata().getName(), () -> super.putBlob(container, blob));
  }

  @Override
  public String putBlob(String container, Blob blob, PutOptions options) {
    String key = blob.getMetadata().getName();
    Supplier<String> put = () -> super.putBlob(container, blob, options);
    if (!(options instanceof PutOptions2 p) || !"*".equals(p.getIfNoneMatch())) {
      // Other conditions (an ETag) are left to S3Proxy's own check, as before.
      return unconditional(container, key, put);
    }
    Lock lock = lock(container, key);
    lock.lock();
    try {
      refuseIfExists(container, key);
      String etag = put.get();
      record(container, key, S3Server.Write.STORED_IF_ABSENT);
      return etag;
    } finally {
      lock.unlock();
    }
  }

  /**
   * S3Proxy lists the parts of an upload on the request's thread just before it starts to answer a
   * CompleteMultipartUpload (200, then the result while the parts are joined on another thread): a
   * conditional completion takes the key's lock here, holds it until the answer is sent, and is
   * refused here while a 412 can still be sent.
   */
  @Override
  public List<MultipartPart> listMultipartUpload(MultipartUpload mpu) {
    if (RequestConditions.completesIfAbsent()) {
      RequestConditions.holdUntilAnswered(lock(mpu.containerName(), mpu.blobName()));
      refuseIfExists(mpu.containerName(), mpu.blobName());
      conditionalUploads.add(mpu.id());
    }
    return super.listMultipartUpload(mpu);
  }

  @Override
  public String completeMultipartUpload(MultipartUpload mpu, List<MultipartPart> parts) {
    // Runs on S3Proxy's joining thread while the request's thread holds the key's lock.
    boolean conditional = conditionalUploads.remove(mpu.id());
    String etag = super.completeMultipartUpload(mpu, parts);
    record(
        mpu.containerName(),
        mpu.blobName(),
        conditional ? S3Server.Write.STORED_IF_ABSENT : S3Server.Write.STORED);
    return etag;
  }

  private String unconditional(String container, String key, Supplier<String> put) {
    String etag = put.get();
    record(container, key, S3Server.Write.STORED);
    return etag;
  }

  private void refuseIfExists(String container, String key) {
    if (delegate().blobExists(container, key)) {
      record(container, key, S3Server.Write.REFUSED_EXISTS);
      // S3Proxy answers this with 412 PreconditionFailed, as AWS S3 does.
      throw new HttpResponseException(
          "If-None-Match: * but " + id(container, key) + " exists",
          null,
          HttpResponse.builder().statusCode(412).message("Precondition Failed").build());
    }
  }

  private Lock lock(String container, String key) {
    return locks.computeIfAbsent(id(container, key), k -> new ReentrantLock());
  }

  private void record(String container, String key, S3Server.Write write) {
    List<S3Server.Write> w = writes.computeIfAbsent(id(container, key), k -> new ArrayList<>());
    synchronized (w) {
      w.add(write);
    }
  }

  private static String id(String container, String key) {
    return container + "/" + key;
  }
}
