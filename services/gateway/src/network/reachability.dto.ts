// The body of POST /v1/hosting/network/reachability. Shapes are checked here
// (400 naming the field); what the names mean is the resources service's.
import { IsIn, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { Optional } from '../http/optional.js';

export class ReachabilityDto {
  /** A resource id of the caller's account. */
  @IsString()
  @Length(1, 100)
  source!: string;

  /** A resource id, a private or public address, or a hostname. */
  @IsString()
  @Length(1, 253)
  destination!: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @Optional()
  @IsIn(['tcp', 'udp'], { message: 'protocol must be one of tcp, udp' })
  protocol?: string;
}
