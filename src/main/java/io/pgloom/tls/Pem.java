// PEM files as openssl and cert-manager write them: certificate chains, and private keys in PKCS#8, PKCS#1 (RSA)
// or SEC1 (EC) form. The JDK reads only PKCS#8, so the other two are wrapped into PKCS#8 here (a few DER bytes).
package io.pgloom.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class Pem {
    private Pem() {}

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final byte[] OID_RSA = {
        0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
    };
    private static final byte[] OID_EC = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    /** Thrown with a message that names the file and says what is wrong (never key material). */
    public static final class PemException extends IOException {
        private static final long serialVersionUID = 1L;

        PemException(Path file, String problem) {
            super(file + ": " + problem);
        }
    }

    public static List<X509Certificate> certificates(Path file) throws IOException {
        byte[] data = read(file);
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(data))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty())
                throw new PemException(file, "no certificate found (expected -----BEGIN CERTIFICATE-----)");
            return out;
        } catch (GeneralSecurityException e) {
            throw new PemException(file, "not a readable certificate: " + e.getMessage());
        }
    }

    public static PrivateKey privateKey(Path file) throws IOException {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String kind = m.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new PemException(file, "broken base64 in the " + kind + " block");
            }
            switch (kind) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, der, "RSA", "EC", "Ed25519", "EdDSA");
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(file, wrap(OID_RSA, new byte[] {0x05, 0x00}, der), "RSA");
                }
                case "EC PRIVATE KEY" -> {
                    return pkcs8(file, wrap(OID_EC, sec1Curve(file, der), der), "EC");
                }
                case "ENCRYPTED PRIVATE KEY" ->
                    throw new PemException(
                            file,
                            "the private key is encrypted; give pgloom an unencrypted key (openssl pkey -in key -out key.pem)");
                default -> {}
            }
        }
        throw new PemException(file, "no private key found (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(Path file, byte[] der, String... algorithms) throws PemException {
        for (String alg : algorithms) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new PemException(file, "private key is not a supported RSA, EC or Ed25519 key");
    }

    /** PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER 0, SEQUENCE { algorithm OID, parameters }, OCTET STRING key }. */
    private static byte[] wrap(byte[] oid, byte[] params, byte[] key) {
        byte[] alg = tlv(0x30, concat(oid, params));
        return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, alg, tlv(0x04, key)));
    }

    /** The named-curve OID inside a SEC1 ECPrivateKey ([0] parameters). */
    private static byte[] sec1Curve(Path file, byte[] der) throws PemException {
        int[] pos = {0};
        if (der.length < 2 || der[0] != 0x30) throw new PemException(file, "EC PRIVATE KEY is not a DER sequence");
        pos[0] = 1;
        int end = length(der, pos) + pos[0];
        while (pos[0] < end) {
            int tag = der[pos[0]++] & 0xff;
            int len = length(der, pos);
            if (tag == 0xa0) {
                if (der[pos[0]] != 0x06) break;
                byte[] oid = new byte[len];
                System.arraycopy(der, pos[0], oid, 0, len);
                return oid;
            }
            pos[0] += len;
        }
        throw new PemException(file, "EC PRIVATE KEY does not name its curve");
    }

    private static int length(byte[] d, int[] pos) {
        int b = d[pos[0]++] & 0xff;
        if (b < 0x80) return b;
        int n = b & 0x7f;
        int len = 0;
        for (int i = 0; i < n; i++) len = (len << 8) | (d[pos[0]++] & 0xff);
        return len;
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >>> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >>> 16);
            out.write(len >>> 8);
            out.write(len);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static byte[] read(Path file) throws PemException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PemException(file, "cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }
}
