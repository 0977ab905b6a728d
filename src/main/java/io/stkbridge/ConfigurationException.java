package io.stkbridge;

/** The configuration is missing or malformed; the message names every key at fault and no value. */
public class ConfigurationException extends IllegalStateException {

    public ConfigurationException(String message) {
        super(message);
    }
}
