package io.shardscore.model;

import java.io.IOException;
import java.io.InputStream;

/** Model files that must not be read: a test hands them over when the cache has a good copy. */
final class UnreadableFiles implements ModelFiles {
  @Override
  public InputStream openModel() throws IOException {
    throw new IOException("the source was read");
  }

  @Override
  public InputStream openSideFile(String relativePath) throws IOException {
    throw new IOException("the source was read");
  }

  @Override
  public String modelLocation() {
    return "unreadable";
  }

  @Override
  public String sideFileLocation(String relativePath) {
    return "unreadable/" + relativePath;
  }
}
