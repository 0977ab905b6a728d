-- {statuses} becomes one placeholder per status asked for
AND status IN ({statuses})
