"""The ``ray:`` section: defaults, overrides, and file:line: key errors for every bad value.

None of this imports ray: a config must be checkable where the ``ray`` extra is absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bastion.errors import ConfigError
from cloud.config import CloudConfig, load_config
from cloud.ray_config import ORCHESTRATOR_DEFAULT, PROVIDER_DEFAULT, RaySettings, Scaling

REPO = Path(__file__).resolve().parents[3]

BASE = """\
listen: 127.0.0.1:0
providers:
  - name: eu-a
    destination: eu-vendor
    region: eu-west-1
    jurisdiction: EU
    base_url: http://127.0.0.1:9/v1
    model: m
  - name: eu-b
    destination: eu-vendor
    region: eu-west-1
    jurisdiction: EU
    base_url: http://127.0.0.1:9/v1
    model: m
"""


def load(tmp_path: Path, ray_section: str) -> CloudConfig:
    path = tmp_path / "cloud.yaml"
    path.write_text(BASE + ray_section)
    return load_config(path)


def settings(tmp_path: Path, ray_section: str) -> RaySettings:
    config = load(tmp_path, ray_section)
    assert config.ray is not None
    return config.ray


def test_no_ray_section_means_no_settings(tmp_path: Path) -> None:
    assert load(tmp_path, "").ray is None


def test_empty_section_gets_local_cluster_and_defaults(tmp_path: Path) -> None:
    s = settings(tmp_path, "ray:\n")
    assert s.starts_local_cluster and s.num_cpus is None
    assert s.orchestrator == ORCHESTRATOR_DEFAULT
    assert s.for_provider("eu-a") == PROVIDER_DEFAULT


def test_provider_override_inherits_provider_defaults(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        "ray:\n"
        "  num_cpus: 2\n"
        "  provider_defaults: {max_replicas: 3, num_cpus: 0.05}\n"
        "  providers:\n"
        "    eu-b: {min_replicas: 2, max_replicas: 5, target_ongoing_requests: 2}\n"
        "  orchestrator: {min_replicas: 1, max_replicas: 4, max_ongoing_requests: 100}\n",
    )
    assert s.num_cpus == 2
    assert s.for_provider("eu-a") == Scaling(max_replicas=3, num_cpus=0.05)
    assert s.for_provider("eu-b") == Scaling(
        min_replicas=2, max_replicas=5, target_ongoing_requests=2.0, num_cpus=0.05
    )
    assert (s.orchestrator.max_replicas, s.orchestrator.max_ongoing_requests) == (4, 100)


def test_autoscaling_config_starts_at_least_one_replica() -> None:
    auto = Scaling(min_replicas=0, max_replicas=3, target_ongoing_requests=2).autoscaling_config()
    assert auto == {
        "min_replicas": 0,
        "initial_replicas": 1,
        "max_replicas": 3,
        "target_ongoing_requests": 2,
    }


@pytest.mark.parametrize(
    ("section", "line", "key", "message"),
    [
        ("ray: [1]\n", 15, "ray", "expected a mapping"),
        ("ray:\n  replicas: 2\n", 16, "ray.replicas", "unknown key"),
        ("ray:\n  orchestrator:\n    max_replica: 2\n", 17, "ray.orchestrator.max_replica",
         "unknown key"),
        ("ray:\n  orchestrator:\n    min_replicas: -1\n", 17, "ray.orchestrator.min_replicas",
         "must not be negative"),
        ("ray:\n  orchestrator:\n    min_replicas: 3\n    max_replicas: 2\n", 18,
         "ray.orchestrator.max_replicas", "at least min_replicas (3)"),
        ("ray:\n  orchestrator:\n    min_replicas: 0\n    max_replicas: 0\n", 18,
         "ray.orchestrator.max_replicas", "at least 1"),
        ("ray:\n  provider_defaults:\n    target_ongoing_requests: 0\n", 17,
         "ray.provider_defaults.target_ongoing_requests", "must be positive"),
        ("ray:\n  provider_defaults:\n    target_ongoing_requests: 8\n"
         "    max_ongoing_requests: 4\n", 18,
         "ray.provider_defaults.max_ongoing_requests", "must be >= target_ongoing_requests"),
        ("ray:\n  provider_defaults:\n    num_cpus: -0.5\n", 17,
         "ray.provider_defaults.num_cpus", "must not be negative"),
        ("ray:\n  provider_defaults:\n    max_replicas: two\n", 17,
         "ray.provider_defaults.max_replicas", "expected an integer"),
        ("ray:\n  providers:\n    eu-c: {max_replicas: 2}\n", 17, "ray.providers.eu-c",
         "not a configured provider (known: eu-a, eu-b)"),
        ("ray:\n  providers:\n    eu-a: {replicas: 2}\n", 17, "ray.providers.eu-a.replicas",
         "unknown key"),
        ("ray:\n  num_cpus: 0\n", 16, "ray.num_cpus", "must be a positive integer"),
        ("ray:\n  object_store_mb: 10\n", 16, "ray.object_store_mb", "at least 75"),
        ("ray:\n  address: auto\n  num_cpus: 2\n", 17, "ray.num_cpus",
         "only applies with address: local"),
        ("ray:\n  address: '  '\n", 16, "ray.address", "expected 'local'"),
    ],
)  # fmt: skip
def test_bad_values_name_file_line_and_key(
    tmp_path: Path, section: str, line: int, key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, section)
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 'cloud.yaml'}:{line}: {key}: "), text
    assert message in text


def test_the_ray_example_loads_and_matches_the_base_example() -> None:
    ray_example = load_config(REPO / "examples" / "cloud-ray.yaml")
    base = load_config(REPO / "examples" / "cloud.yaml")
    assert ray_example.ray is not None and ray_example.ray.starts_local_cluster
    assert ray_example.providers == base.providers  # same panel, same residency facts
    assert ray_example.listen_host == "127.0.0.1"


def test_loading_a_ray_config_does_not_import_ray(tmp_path: Path) -> None:
    path = tmp_path / "cloud.yaml"
    path.write_text(BASE + "ray:\n  orchestrator: {max_replicas: 2}\n")
    probe = (
        "import sys\n"
        "from cloud.config import load_config\n"
        "import cloud.cli, cloud.server\n"
        f"assert load_config({str(path)!r}).ray is not None\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
