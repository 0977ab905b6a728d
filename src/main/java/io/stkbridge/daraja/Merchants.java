package io.stkbridge.daraja;

import java.util.List;
import java.util.Optional;

/**
 * The configured merchants, the default one first; an intent names one by name or shortcode (a name wins over another
 * merchant's shortcode, and of merchants sharing a shortcode the first listed wins), or gets the default.
 */
public class Merchants {

    private final List<Merchant> all;

    public Merchants(List<Merchant> all) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("at least one merchant must be configured");
        }
        this.all = List.copyOf(all);
    }

    public Optional<Merchant> find(Optional<String> requested) {
        if (requested.isEmpty()) {
            return Optional.of(all.get(0));
        }
        String wanted = requested.get();
        return all.stream().filter(m -> m.name().equals(wanted)).findFirst()
                .or(() -> all.stream().filter(m -> m.shortcode().equals(wanted)).findFirst());
    }

    /** Every merchant, the default first. */
    public List<Merchant> all() {
        return all;
    }

    /** Whether a merchant of this name is configured (one removed from STK_MERCHANTS_FILE is not). */
    public boolean isConfigured(String name) {
        return all.stream().anyMatch(m -> m.name().equals(name));
    }

    public Merchant byName(String name) {
        return all.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("merchant '" + name + "' is no longer configured"));
    }
}
