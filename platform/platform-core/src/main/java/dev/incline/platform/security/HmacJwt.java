package dev.incline.platform.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * HS256 signing and verification with the installation's internal-token secret: the one place that
 * turns the secret into a key, for every kind of token the platform issues (gateway → service,
 * job-service → agent). Each kind adds its own claims and validators.
 */
public final class HmacJwt {

  private final MACSigner signer;
  private final SecretKeySpec key;

  public HmacJwt(String secret) {
    byte[] bytes = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < 32) {
      throw new IllegalArgumentException("incline.internal-token.secret must be at least 32 bytes");
    }
    try {
      this.signer = new MACSigner(bytes);
    } catch (JOSEException e) {
      throw new IllegalArgumentException(e);
    }
    this.key = new SecretKeySpec(bytes, "HmacSHA256");
  }

  public String sign(JWTClaimsSet claims) {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
    return jwt.serialize();
  }

  /** A decoder that checks the signature; callers set the validator for their kind of token. */
  public NimbusJwtDecoder decoder() {
    return NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
  }
}
