// Request bodies and queries of /v1/hosting/{vms,databases,caches,buckets}.
// Unknown fields are refused by the global validation pipe; an optional
// field may be absent, never null.
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Optional } from '../http/optional.js';
import { IsDnsLabel } from './dns-label.validator.js';

/** Fields every kind takes. */
class CreateResourceDto {
  @IsDnsLabel()
  name!: string;

  @Optional()
  @IsString()
  region?: string;

  /** Project name; the account's `default` project when absent. */
  @Optional()
  @IsDnsLabel()
  project?: string;
}

export class VmSpecsDto {
  @IsInt()
  @Min(1)
  @Max(64)
  vcpus!: number;

  @IsInt()
  @Min(1)
  @Max(512)
  memory_gb!: number;

  @IsInt()
  @Min(10)
  @Max(4096)
  disk_gb!: number;
}

export const DEFAULT_SPECS = { vcpus: 2, memory_gb: 4, disk_gb: 80 } as const;

export class CreateVmDto extends CreateResourceDto {
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => VmSpecsDto)
  specs?: VmSpecsDto;

  @Optional()
  @IsString()
  image?: string;
}

export class CreateEngineResourceDto extends CreateResourceDto {
  @Optional()
  @IsString()
  engine?: string;

  /** A string, as documented (`"16"`, `"7.2"`): the number 16 is a 400 like any wrong type, not coerced (`7.20` would not survive). */
  @Optional()
  @IsString()
  version?: string;
}

export class CreateBucketDto extends CreateResourceDto {}

export class CreateReplicaDto {
  @Optional()
  @IsDnsLabel()
  name?: string;

  @Optional()
  @IsString()
  region?: string;
}

export class PatchPublicAccessDto {
  @IsBoolean()
  public_access!: boolean;
}

/** `?cursor=&limit=` of every paged answer: lists, topology, projects, event history. */
export class PageQueryDto {
  @Optional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class ListQueryDto extends PageQueryDto {
  @Optional()
  @IsDnsLabel()
  project?: string;
}
