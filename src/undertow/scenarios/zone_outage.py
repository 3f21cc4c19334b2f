"""`zone_outages_scenarios`: take every node of a zone out for `duration`, then bring the
zone back. `cloud_type: local` stops the zone's kwok nodes; `gcp` stops the zone's
instances; `aws` swaps the subnets' network ACL to a deny-all one (Krkn's form) and swaps
it back, also on rollback (Krkn has no undo for it).

File format (Krkn's): top key `zone_outage:`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, model_validator

from undertow.scenarios.common.fields import OptionalText, Seconds, SpecModel


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class ZoneOutage(SpecModel):
    cloud_type: Annotated[Literal["local", "gcp", "aws", "azure", "az"], BeforeValidator(_lower)]
    duration: Seconds = 60
    zone: OptionalText = ""
    """local/gcp: nodes labelled `topology.kubernetes.io/zone=<zone>`."""
    timeout: Seconds = 180
    kube_check: bool = True
    vpc_id: OptionalText = ""
    subnet_id: list[str] = []
    default_acl_id: OptionalText = ""
    resource_group: OptionalText = ""
    vnet_name: OptionalText = ""
    subnet_name: OptionalText = ""
    location: OptionalText = ""
    nsg_name_prefix: OptionalText = "chaos-zone-deny"

    @model_validator(mode="after")
    def _provider_fields(self) -> ZoneOutage:
        if self.cloud_type in ("local", "gcp") and not self.zone:
            raise ValueError(f"cloud_type {self.cloud_type} needs zone")
        if self.cloud_type == "aws":
            if not self.subnet_id:
                raise ValueError("cloud_type aws needs subnet_id (a list of subnet ids)")
            if not self.vpc_id and not self.default_acl_id:
                raise ValueError("cloud_type aws needs vpc_id, or default_acl_id")
        if self.cloud_type in ("azure", "az"):
            missing = [
                name
                for name in ("resource_group", "vnet_name", "subnet_name")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"cloud_type azure needs {', '.join(missing)}")
        return self


class ZoneOutageSpec(SpecModel):
    zone_outage: ZoneOutage
