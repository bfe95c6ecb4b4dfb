package org.mtlalign.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Decompresses a gzip file of one or more members (as {@code cat a.gz b.gz} and bgzip write them),
 * strictly: every byte after the first member must start another whole member.
 *
 * <p>{@link java.util.zip.GZIPInputStream} ends the data silently where the bytes after a member
 * are not a readable gzip header: a file truncated or damaged within a later member's header
 * (its first 10 to 30 bytes) read as the rows before it, with no error, and so did a file with
 * other bytes appended. Here a short header is {@link EOFException} (truncated), a damaged one
 * or foreign bytes after the last member {@link ZipException}; zero bytes after it (padding,
 * which gzip(1) also accepts) are skipped.
 */
final class GzipMembers extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int lim;
    private final Inflater inf = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** Compressed bytes read before {@link #buf}'s start, for saying where the data went wrong. */
    private long consumed;
    private boolean inMember;
    private boolean eof;

    GzipMembers(InputStream in, int bufferSize) throws IOException {
        this.in = in;
        this.buf = new byte[bufferSize];
        try {
            if (!fill()) {
                throw new EOFException("Unexpected end of gzip input");
            }
            startMember(true);
        } catch (IOException | RuntimeException e) {
            // The caller never gets this stream to close: the inflater's native memory goes now,
            // not at some later garbage collection.
            inf.end();
            throw e;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!eof) {
            if (!inMember) {
                nextMemberOrEnd();
                continue;
            }
            if (inf.needsInput()) {
                if (pos == lim && !fill()) {
                    throw new EOFException("Unexpected end of ZLIB input stream");
                }
                inf.setInput(buf, pos, lim - pos);
                pos = lim;
            }
            int n;
            try {
                n = inf.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException(e.getMessage() != null ? e.getMessage() : "invalid compressed data");
            }
            if (n > 0) {
                crc.update(b, off, n);
                return n;
            }
            if (inf.finished()) {
                // Input the inflater holds beyond the member's end is the trailer and what follows.
                pos = lim - inf.getRemaining();
                endMember();
            } else if (inf.needsDictionary()) {
                throw new ZipException("invalid compressed data (preset dictionary)");
            }
        }
        return -1;
    }

    private void endMember() throws IOException {
        long wantCrc = readInt() & 0xFFFFFFFFL;
        long wantSize = readInt() & 0xFFFFFFFFL;
        if (wantCrc != crc.getValue() || wantSize != (inf.getBytesWritten() & 0xFFFFFFFFL)) {
            throw new ZipException("Corrupt GZIP trailer");
        }
        inMember = false;
    }

    private void nextMemberOrEnd() throws IOException {
        if (pos == lim && !fill()) {
            eof = true;
            return;
        }
        if (buf[pos] == 0) {
            long at = consumed + pos;
            while (true) {
                while (pos < lim) {
                    if (buf[pos++] != 0) {
                        throw new ZipException("unexpected bytes after the gzip data at byte " + at);
                    }
                }
                if (!fill()) {
                    eof = true;
                    return;
                }
            }
        }
        startMember(false);
    }

    private void startMember(boolean first) throws IOException {
        long at = consumed + pos;
        int id1 = readByte();
        int id2 = readByteOr(-1);
        if (id1 == 0x1F && id2 < 0) {
            throw new EOFException("Unexpected end of gzip input");
        }
        if (id1 != 0x1F || id2 != 0x8B) {
            throw new ZipException(first ? "Not in GZIP format"
                    : "unexpected bytes after the gzip data at byte " + at + " (not another gzip member)");
        }
        if (readByte() != 8) {
            throw new ZipException("Unsupported compression method");
        }
        int flags = readByte();
        for (int i = 0; i < 6; i++) {
            readByte(); // modification time, extra flags, operating system
        }
        if ((flags & FEXTRA) != 0) {
            int xlen = readByte() | readByte() << 8;
            for (int i = 0; i < xlen; i++) {
                readByte();
            }
        }
        if ((flags & FNAME) != 0) {
            while (readByte() != 0) {
                // the original file name
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (readByte() != 0) {
                // the comment
            }
        }
        if ((flags & FHCRC) != 0) {
            readByte();
            readByte();
        }
        inf.reset();
        crc.reset();
        inMember = true;
    }

    private long readInt() throws IOException {
        return readByte() | readByte() << 8 | readByte() << 16 | (long) readByte() << 24;
    }

    /** The next compressed byte outside the deflate data; the file ending here is truncation. */
    private int readByte() throws IOException {
        int b = readByteOr(-1);
        if (b < 0) {
            throw new EOFException("Unexpected end of gzip input");
        }
        return b;
    }

    private int readByteOr(int atEnd) throws IOException {
        if (pos == lim && !fill()) {
            return atEnd;
        }
        return buf[pos++] & 0xFF;
    }

    private boolean fill() throws IOException {
        consumed += lim;
        pos = 0;
        lim = 0;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        lim = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        inf.end();
        in.close();
    }
}
