package vlmq.io.safetensors;

import static vlmq.io.safetensors.CheckpointFormatException.corrupt;
import static vlmq.io.safetensors.CheckpointFormatException.label;
import static vlmq.io.safetensors.CheckpointFormatException.quote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import vlmq.VlmqException;

/**
 * Keeps the files a checkpoint reads inside its folder, so that a hostile index (or a planted link) cannot
 * make vlmq read, and then republish as weights, a file from elsewhere. One escape is allowed: the Hugging
 * Face hub cache, whose {@code models--org--name/snapshots/<rev>/} files are links into the repository's
 * {@code blobs/} folder.
 */
final class FolderContainment {
  private FolderContainment() {}

  /**
   * {@code dir/name}, normalized, once it is known to exist and to stay inside {@code dir} after links are
   * followed. {@code indexFile} is the index that named it, or null when the file was found by listing.
   */
  static Path resolve(Path dir, Path indexFile, String name) {
    Path file = dir.resolve(name).normalize();
    Path blame = indexFile != null ? indexFile : file;
    if (!file.startsWith(dir) || file.equals(dir)) {
      throw corrupt(blame, "the file " + quote(name) + " lies outside the checkpoint folder " + dir);
    }
    if (!Files.isRegularFile(file)) {
      String why = indexFile == null ? " is not a regular file"
          : " is listed in " + label(indexFile) + " but missing from " + dir + " (incomplete download?)";
      throw new CheckpointFormatException(label(file) + why + ": download or copy the whole checkpoint again.");
    }
    Path real;
    Path realDir;
    try {
      real = file.toRealPath();
      realDir = dir.toRealPath();
    } catch (IOException e) {
      throw new VlmqException("cannot resolve " + file + ": " + e.getMessage(), e);
    }
    if (!real.startsWith(realDir) && !inHubCacheBlobs(realDir, real)) {
      throw corrupt(file, "it is a link to " + real + ", outside the checkpoint folder " + realDir);
    }
    return file;
  }

  /** {@code dir} is {@code …/models--org--name/snapshots/<rev>} and {@code real} lies in that repo's blobs/. */
  private static boolean inHubCacheBlobs(Path dir, Path real) {
    Path snapshots = dir.getParent();
    Path repo = snapshots == null ? null : snapshots.getParent();
    if (repo == null || repo.getFileName() == null) return false;
    boolean hubLayout = snapshots.getFileName().toString().equals("snapshots")
        && repo.getFileName().toString().startsWith("models--");
    return hubLayout && real.startsWith(repo.resolve("blobs"));
  }
}
