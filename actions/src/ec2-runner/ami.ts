// Which AMI the runner boots: an explicit one (action input or training.ec2.ami), otherwise the
// latest Deep Learning AMI of the configured type, from its public SSM parameter.
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { DescribeImagesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { AwsOperationError, isNotFound, withContext } from "../aws/errors.js";

/** The port for reading one SSM parameter (undefined: there is no such parameter). */
export interface ParameterReader {
  getParameter(name: string): Promise<string | undefined>;
}

export function ssmParameterReader(ssm: Pick<SSMClient, "send">): ParameterReader {
  return {
    async getParameter(name) {
      try {
        const out = await ssm.send(new GetParameterCommand({ Name: name }));
        return out.Parameter?.Value;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw new AwsOperationError(`reading SSM parameter ${name}`, error);
      }
    },
  };
}

export const dlamiParameterName = (amiType: string): string =>
  `/aws/service/deeplearning/ami/x86_64/${amiType}/latest/ami-id`;

export interface ResolvedAmi {
  imageId: string;
  /** Where it came from, for the log. */
  source: string;
}

export async function resolveAmi(options: {
  explicit?: string | undefined;
  amiType: string;
  region: string;
  parameters: ParameterReader;
}): Promise<ResolvedAmi> {
  if (options.explicit !== undefined && options.explicit !== "") {
    return { imageId: options.explicit, source: "explicit" };
  }
  const name = dlamiParameterName(options.amiType);
  const imageId = await options.parameters.getParameter(name);
  if (imageId === undefined || imageId === "") {
    throw new AwsOperationError(
      `resolving the Deep Learning AMI (training.ec2.amiType "${options.amiType}")`,
      {
        name: "ParameterNotFound",
        message: `SSM parameter ${name} does not exist in ${options.region}; list the types with "aws ssm get-parameters-by-path --path /aws/service/deeplearning/ami/x86_64 --recursive", or set training.ec2.ami`,
      },
    );
  }
  return { imageId, source: `SSM ${name}` };
}

/** The AMI's root device name, whose volume the runner resizes and encrypts. */
export async function rootDeviceName(
  ec2: Pick<EC2Client, "send">,
  imageId: string,
): Promise<string> {
  const out = await withContext(`describing AMI ${imageId}`, () =>
    ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })),
  );
  const image = out.Images?.[0];
  if (!image) {
    throw new AwsOperationError(`describing AMI ${imageId}`, {
      name: "InvalidAMIID.NotFound",
      message: `AMI ${imageId} does not exist or is not visible to this account`,
    });
  }
  return image.RootDeviceName ?? "/dev/sda1";
}
