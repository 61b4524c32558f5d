// How clients prove who they are to pgloom (auth_type).
package io.pgloom.config;

public enum AuthType {
    TRUST,
    MD5,
    SCRAM_SHA_256
}
