package dev.incline.platform.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads how many entries a zip declares from its end-of-central-directory record, without parsing
 * the directory: a crafted zip can declare millions of tiny entries, and a zip reader holds them all
 * in memory before the first one is unpacked.
 */
final class ZipDirectory {

  private static final int EOCD_SIGNATURE = 0x06054b50;
  private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
  private static final int ZIP64_EOCD_SIGNATURE = 0x06064b50;
  private static final int EOCD_SIZE = 22;
  private static final int MAX_COMMENT = 0xffff;

  private ZipDirectory() {}

  /** The declared number of entries; 0 when there is no readable record (the zip reader then rejects it). */
  static long entryCount(Path zip) throws IOException {
    try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
      long size = ch.size();
      int tailLength = (int) Math.min(size, EOCD_SIZE + MAX_COMMENT);
      ByteBuffer tail = read(ch, size - tailLength, tailLength);
      for (int i = tailLength - EOCD_SIZE; i >= 0; i--) {
        if (tail.getInt(i) != EOCD_SIGNATURE) {
          continue;
        }
        int total = Short.toUnsignedInt(tail.getShort(i + 10));
        if (total != 0xffff) {
          return total;
        }
        // Zip64: the locator sits just before the record and points at the zip64 record.
        long eocdAt = size - tailLength + i;
        if (eocdAt < 20) {
          return total;
        }
        ByteBuffer locator = read(ch, eocdAt - 20, 20);
        if (locator.getInt(0) != ZIP64_LOCATOR_SIGNATURE) {
          return total;
        }
        long zip64At = locator.getLong(8);
        if (zip64At < 0 || zip64At + 56 > size) {
          return Long.MAX_VALUE; // points nowhere: not an archive we take
        }
        ByteBuffer zip64 = read(ch, zip64At, 56);
        if (zip64.getInt(0) != ZIP64_EOCD_SIGNATURE) {
          return Long.MAX_VALUE;
        }
        long total64 = zip64.getLong(32);
        return total64 < 0 ? Long.MAX_VALUE : total64;
      }
      return 0;
    }
  }

  private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buf.hasRemaining()) {
      if (ch.read(buf, at + buf.position()) < 0) {
        break;
      }
    }
    return buf.flip();
  }
}
