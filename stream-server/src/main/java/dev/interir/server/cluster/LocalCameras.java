package dev.interir.server.cluster;

/** The cameras this node runs: what the leases start and stop. */
interface LocalCameras {
    /** Starts the camera here; a source this node cannot open is an IllegalArgumentException. */
    void start(CameraEntry camera);

    /** Stops it here; returns once no more of its frames are restored. */
    void stop(String id);
}
