// An optional field is one that is absent. class-validator's @IsOptional also
// lets `null` through, so `"specs": null` skipped every check and reached the
// services as "no specs"; here `null` is validated like any other value
// (and refused, since no field of this API takes it).
import { ValidateIf } from 'class-validator';

export const Optional = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);
