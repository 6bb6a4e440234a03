package dev.osc4j.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the osc4j starter, under {@code osc4j.*}. Every one has a default. */
@ConfigurationProperties("osc4j")
public class Osc4jProperties {
    /** Prefix of the controller id (the id adds the pid and a random suffix); default: spring.application.name. */
    private @Nullable String controllerName;

    /** Time between two reconcile passes. */
    private Duration pollInterval = Duration.ofSeconds(1);

    /** Lease time to live: how long after a controller dies another takes its migrations over. */
    private Duration leaseTtl = Duration.ofSeconds(15);

    /** Whether the orchestrator's loop starts with the application (when engines and a topology probe are beans). */
    private boolean startController = true;

    private final Jdbc jdbc = new Jdbc();
    private final Etcd etcd = new Etcd();
    private final Dashboard dashboard = new Dashboard();

    public @Nullable String getControllerName() {
        return controllerName;
    }

    public void setControllerName(@Nullable String value) {
        this.controllerName = value;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(Duration value) {
        this.pollInterval = value;
    }

    public Duration getLeaseTtl() {
        return leaseTtl;
    }

    public void setLeaseTtl(Duration value) {
        this.leaseTtl = value;
    }

    public boolean isStartController() {
        return startController;
    }

    public void setStartController(boolean value) {
        this.startController = value;
    }

    public Jdbc getJdbc() {
        return jdbc;
    }

    public Etcd getEtcd() {
        return etcd;
    }

    public Dashboard getDashboard() {
        return dashboard;
    }

    /** The JDBC store, on the application's DataSource. */
    public static class Jdbc {
        /** Prefix of the store's table names. */
        private String tablePrefix = "osc4j_";

        /** Whether the store creates or upgrades its tables at start. */
        private boolean createSchema = true;

        public String getTablePrefix() {
            return tablePrefix;
        }

        public void setTablePrefix(String value) {
            this.tablePrefix = value;
        }

        public boolean isCreateSchema() {
            return createSchema;
        }

        public void setCreateSchema(boolean value) {
            this.createSchema = value;
        }
    }

    /** The etcd store, used when endpoints are set (it then wins over the DataSource). */
    public static class Etcd {
        /** Endpoints, such as http://etcd-1:2379. */
        private List<String> endpoints = new ArrayList<>();

        /** Key prefix. */
        private String prefix = "/osc4j/";

        public List<String> getEndpoints() {
            return endpoints;
        }

        public void setEndpoints(List<String> value) {
            this.endpoints = value;
        }

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String value) {
            this.prefix = value;
        }
    }

    /** The dashboard, mounted as a servlet when osc4j-dashboard is on the class path. */
    public static class Dashboard {
        /** Whether to mount it. */
        private boolean enabled = true;

        /** Where: the page is at PATH/. */
        private String path = "/osc4j";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean value) {
            this.enabled = value;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String value) {
            this.path = value;
        }
    }
}
