package vlmq.io.safetensors;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import vlmq.VlmqException;

/**
 * Where the writer's files go and how they get there: a hidden staging folder beside the output, moved into
 * place in one rename, never over or around a source checkpoint (replacing an output that contains its own
 * source would delete the model being read).
 */
final class OutputLocation {
  private OutputLocation() {}

  /**
   * Refuses an output that is, lies in or contains a source folder, or a folder that source files link to
   * (the blobs of a Hugging Face cache snapshot).
   */
  static void refuseSourceOverlap(Path out, List<Path> sources) {
    Path outReal = realPathOfNearestAncestor(out);
    for (Path source : sources) {
      Path abs = source.toAbsolutePath().normalize();
      for (Path src : sourcePlaces(Files.isRegularFile(abs) ? abs.getParent() : abs)) {
        String problem = outReal.equals(src) ? "is the source folder"
            : outReal.startsWith(src) ? "lies inside the source folder " + src
            : src.startsWith(outReal) ? "contains the source folder " + src : null;
        if (problem != null) {
          throw new VlmqException("output folder " + out + " " + problem + ": write the result to a new folder");
        }
      }
    }
  }

  /** The real path of {@code dir} and the real folders its links point into. */
  private static Set<Path> sourcePlaces(Path dir) {
    var places = new LinkedHashSet<Path>();
    places.add(realPathOfNearestAncestor(dir));
    if (!Files.isDirectory(dir)) return places;
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.filter(Files::isSymbolicLink).toList()) {
        if (Files.exists(entry)) places.add(entry.toRealPath().getParent());
      }
    } catch (IOException e) {
      throw new VlmqException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return places;
  }

  /** The real path of {@code p}, resolving links in whatever part of it already exists. */
  private static Path realPathOfNearestAncestor(Path p) {
    Path existing = p;
    while (existing != null && !Files.exists(existing)) existing = existing.getParent();
    if (existing == null) return p;
    try {
      return existing.toRealPath().resolve(existing.relativize(p));
    } catch (IOException e) {
      throw new VlmqException("cannot resolve " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates {@code .<name>.vlmq-tmp-<random>} next to {@code out} (same file system, so the final move is a
   * rename), after checking that {@code bytes} fit: writing into mapped files on a full disk crashes instead
   * of failing cleanly.
   */
  static Path createStaging(Path out, long bytes) {
    Path parent = out.getParent();
    try {
      Files.createDirectories(parent);
      long free = Files.getFileStore(parent).getUsableSpace();
      if (bytes > free) {
        throw new VlmqException("not enough disk space for " + out + ": the checkpoint needs " + bytes
            + " bytes, " + free + " are free; free some space or choose another output folder");
      }
      return Files.createDirectory(parent.resolve("." + out.getFileName() + ".vlmq-tmp-" + UUID.randomUUID()));
    } catch (IOException e) {
      throw new VlmqException("cannot create a folder beside " + out + ": " + e.getMessage(), e);
    }
  }

  /**
   * Renames {@code staging} to {@code out}. An existing {@code out} (when {@code replace}) is first renamed
   * aside and deleted only once the new folder is in place; if that fails it is put back.
   */
  static void moveIntoPlace(Path staging, Path out, boolean replace) throws IOException {
    if (!(replace && Files.exists(out))) {
      Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
      return;
    }
    Path old = out.resolveSibling("." + out.getFileName() + ".vlmq-old-" + UUID.randomUUID());
    Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
    try {
      Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.move(old, out, StandardCopyOption.ATOMIC_MOVE);
      throw e;
    }
    deleteTree(old);
  }

  /** Deletes a folder tree without following links; a missing folder is fine. */
  static void deleteTree(Path root) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null) throw e;
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException gone) {
      // already deleted, or never created
    } catch (IOException e) {
      throw new VlmqException("cannot delete " + root + ": " + e.getMessage() + "; delete it by hand", e);
    }
  }
}
