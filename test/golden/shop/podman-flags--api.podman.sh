# podman run flags for container api (profile shop)
# usage: podman run <the line below> IMAGE [COMMAND]
--read-only --read-only-tmpfs=false --tmpfs /tmp:rw,noexec,nosuid,nodev,size=64m --volume charter-api-app-uploads:/app/uploads --cap-drop ALL --security-opt no-new-privileges --security-opt seccomp=api.seccomp.json --user 1000
