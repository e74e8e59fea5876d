// The body of POST /v1/hosting/vms. Names become DNS labels, so they follow RFC 1123.
import { dnsLabelProblem } from '@pn/contracts';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';

/** Valid when the value is an RFC 1123 label; the message says which rule it broke. */
function IsDnsLabel() {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isDnsLabel',
      target: target.constructor,
      propertyName: property,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && dnsLabelProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          typeof args?.value === 'string' ? `${property} ${dnsLabelProblem(args.value)}` : `${property} must be a string`,
      },
    });
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

export class CreateVmDto {
  @IsDnsLabel()
  name!: string;

  @IsOptional()
  @IsString()
  region?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => VmSpecsDto)
  specs?: VmSpecsDto;
}

export const DEFAULT_SPECS = { vcpus: 2, memory_gb: 4, disk_gb: 80 } as const;
